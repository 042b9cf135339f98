/** One table subscription: what was asked, where it stands in the feed (`lastSeq`), and the
 * handlers its frames go to. The client owns the socket; this owns the per-table state. */

import type {
    CaptureMode,
    ChangeEventKind,
    ChangeFrame,
    ErrorBody,
    Filter,
    ResyncFrame,
    Row,
    SnapshotFrame,
    SubscribeFrame,
    SubscribedFrame,
} from "./frames.js";
import type { TableTarget } from "./endpoint.js";

export interface SubscribeOptions {
    /** REST filter language, evaluated by Nectar on each event (the old row for DELETE). */
    filter?: Filter;
    /** Which events to receive (default all three). */
    events?: ChangeEventKind[];
    /** `trigger` (native capture) or `poll`; Nectar picks native where it has it when omitted. */
    mode?: CaptureMode;
    /** Polling interval in ms (100..3,600,000); implies `mode: "poll"` when mode is omitted. */
    pollInterval?: number;
    /** Start from this seq (a `subscribed` or `change` seq seen earlier) instead of now. */
    resumeFrom?: number;
}

export interface SubscribedInfo {
    seq: number;
    mode: CaptureMode;
    pollInterval?: number;
    /** True when this subscribe carried `resumeFrom`: missed changes follow (or a resync). */
    resumed: boolean;
}

export class NectarRealtimeError extends Error {
    constructor(
        readonly body: ErrorBody,
        readonly subscriptionId?: string,
    ) {
        super(`${body.message} (${body.code}, SQLSTATE ${body.sqlstate})`);
        this.name = "NectarRealtimeError";
    }
    get code(): number {
        return this.body.code;
    }
    get sqlstate(): string {
        return this.body.sqlstate;
    }
}

export interface SubscriptionHandlers<R extends Row = Row> {
    onChange?: (change: ChangeFrame<R>) => void;
    onInsert?: (row: R, change: ChangeFrame<R>) => void;
    onUpdate?: (row: R, change: ChangeFrame<R>) => void;
    onDelete?: (old: Partial<R>, change: ChangeFrame<R>) => void;
    onSnapshot?: (rows: R[], frame: SnapshotFrame<R>) => void;
    onSubscribed?: (info: SubscribedInfo) => void;
    onResync?: (frame: ResyncFrame) => void;
    onError?: (error: NectarRealtimeError) => void;
}

/** pending: waiting for `subscribed` (again, after a reconnect); live: following the feed;
 * failed: Nectar refused the subscribe; closed: unsubscribed or the client closed. */
export type SubscriptionStatus = "pending" | "live" | "failed" | "closed";

export class Subscription<R extends Row = Row> {
    private status_: SubscriptionStatus = "pending";
    private lastSeq_: number | null = null;
    private mode_: CaptureMode | null = null;
    private resumeSent = false;
    private firstFrameSent = false;
    private waiters: { resolve: (info: SubscribedInfo) => void; reject: (error: Error) => void }[] = [];

    constructor(
        readonly id: string,
        readonly target: TableTarget,
        readonly options: SubscribeOptions,
        private readonly handlers: SubscriptionHandlers<R>,
        private readonly detach: (subscription: Subscription<R>) => void,
    ) {}

    get service(): string {
        return this.target.service;
    }
    get table(): string {
        return this.target.table;
    }
    get status(): SubscriptionStatus {
        return this.status_;
    }
    /** The seq of the last change delivered (or the position `subscribed`, `resync` or the
     * `resumeFrom` option gave): where a reconnect resumes. */
    get lastSeq(): number | null {
        return this.lastSeq_;
    }
    /** The mode Nectar chose, once subscribed. */
    get mode(): CaptureMode | null {
        return this.mode_;
    }

    /** Stops delivery: frames still in flight for it are dropped. */
    unsubscribe(): void {
        if (this.status_ === "closed") {
            return;
        }
        this.detach(this);
        this.end(new Error("unsubscribed"));
    }

    /** Resolves at the next `subscribed` (at once when live), rejects if it fails or closes. */
    whenSubscribed(): Promise<SubscribedInfo> {
        if (this.status_ === "failed" || this.status_ === "closed") {
            return Promise.reject(new Error(`subscription ${this.id} is ${this.status_}`));
        }
        return new Promise((resolve, reject) => {
            if (this.status_ === "live" && this.mode_ !== null && this.lastSeq_ !== null) {
                resolve({ seq: this.lastSeq_, mode: this.mode_, resumed: false });
                return;
            }
            this.waiters.push({ resolve, reject });
        });
    }

    /** The subscribe frame for a (re)connect: from `lastSeq` when there is one, so that what
     * was missed while away arrives first, once. */
    subscribeFrame(): SubscribeFrame {
        const { filter, events, mode, pollInterval } = this.options;
        const frame: SubscribeFrame = { type: "subscribe", id: this.id, service: this.service, table: this.table };
        if (filter && Object.keys(filter).length > 0) frame.filter = filter;
        if (events) frame.events = events;
        if (mode) frame.mode = mode;
        else if (pollInterval !== undefined) frame.mode = "poll";
        if (pollInterval !== undefined) frame.pollInterval = pollInterval;
        const from = this.lastSeq_ ?? (this.firstFrameSent ? undefined : this.options.resumeFrom);
        if (from !== undefined && from !== null) {
            frame.resumeFrom = from;
            this.lastSeq_ = from; // a reconnect before any change resumes from here too
        }
        this.resumeSent = frame.resumeFrom !== undefined;
        this.firstFrameSent = true;
        return frame;
    }

    /** The socket is gone: Nectar forgot this subscription; it is sent again on reconnect. */
    disconnected(): void {
        if (this.status_ === "live") {
            this.status_ = "pending";
        }
    }

    /** After a resumed `subscribed`, the missed changes up to its seq follow, then live ones;
     * `lastSeq` moves only as they arrive (Nectar interleaves other frames with a replay, so
     * nothing but a change of this subscription says how far it got). */
    onSubscribed(frame: SubscribedFrame): void {
        this.status_ = "live";
        this.mode_ = frame.mode;
        const resumed = this.resumeSent;
        if (!resumed) {
            this.lastSeq_ = frame.seq; // every change after this seq is delivered
        }
        const info: SubscribedInfo = { seq: frame.seq, mode: frame.mode, resumed };
        if (frame.pollInterval !== undefined) info.pollInterval = frame.pollInterval;
        for (const waiter of this.waiters.splice(0)) waiter.resolve(info);
        this.handlers.onSubscribed?.(info);
    }

    onChange(frame: ChangeFrame<R>): void {
        if (this.lastSeq_ !== null && frame.seq <= this.lastSeq_) {
            return; // delivered before a reconnect: at least once on the wire, once here
        }
        this.lastSeq_ = frame.seq;
        this.handlers.onChange?.(frame);
        if (frame.event === "INSERT" && frame.new) this.handlers.onInsert?.(frame.new, frame);
        else if (frame.event === "UPDATE" && frame.new) this.handlers.onUpdate?.(frame.new, frame);
        else if (frame.event === "DELETE" && frame.old) this.handlers.onDelete?.(frame.old, frame);
    }

    onSnapshot(frame: SnapshotFrame<R>): void {
        this.handlers.onSnapshot?.(frame.data, frame);
    }

    onResync(frame: ResyncFrame): void {
        this.lastSeq_ = frame.seq; // the caller reads the table again, then follows from here
        this.handlers.onResync?.(frame);
    }

    onError(body: ErrorBody): void {
        const error = new NectarRealtimeError(body, this.id);
        // Before `subscribed`, anything but 503 (capture not running yet: Nectar keeps trying)
        // means Nectar did not take the subscription.
        if (this.status_ === "pending" && body.code !== 503) {
            this.status_ = "failed";
            this.detach(this);
            for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        }
        this.handlers.onError?.(error);
    }

    /** The client closed: no more frames, no reconnect. */
    end(reason: Error): void {
        if (this.status_ !== "failed") {
            this.status_ = "closed";
        }
        for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
    }
}
