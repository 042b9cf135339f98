/** LiveTable: a table's current rows, kept up to date: a subscription first (so no change is
 * missed), then the rows (polling: the snapshot frames; native: a REST read), then each change
 * applied by primary key; a resync reads the table again. What `useRealtimeData` runs; usable
 * without React. */

import type { ClientStatus, NectarRealtimeClient } from "./client.js";
import type { TableRef, TableTarget } from "./endpoint.js";
import type { ChangeFrame, Row, SnapshotFrame } from "./frames.js";
import { RowStore } from "./row_store.js";
import type { SubscribeOptions, Subscription } from "./subscription.js";

export interface LiveTableOptions extends Omit<SubscribeOptions, "resumeFrom"> {
    /** The key columns; read from `_schema` when omitted. */
    primaryKey?: string[];
    /** REST page size for the initial read and after a resync (default 1,000). */
    pageSize?: number;
    /** Refuse tables larger than this (default 100,000 rows). */
    maxRows?: number;
}

/** connecting: no rows yet; live: rows current and the feed followed; reconnecting: rows shown
 * are those before a disconnect, catching up once back; error: see `error`; closed: stopped. */
export type LiveTableStatus = "connecting" | "live" | "reconnecting" | "error" | "closed";

export interface LiveTableState<R extends Row = Row> {
    data: R[];
    loading: boolean;
    error: Error | null;
    status: LiveTableStatus;
}

export const initialLiveTableState: LiveTableState<never> = Object.freeze({
    data: [],
    loading: true,
    error: null,
    status: "connecting",
}) as LiveTableState<never>;

export class LiveTable<R extends Row = Row> {
    private readonly target: TableTarget;
    private store: RowStore<R> | null = null;
    private subscription: Subscription<R> | null = null;
    private queued: (ChangeFrame<R> | SnapshotFrame<R>)[] = [];
    private keyColumns: Promise<string[]> | null = null;
    private fetching = false;
    private fetchAgain = false;
    private loaded = false;
    private stopped = false;
    private error: Error | null = null;
    private unlisten: (() => void) | null = null;

    constructor(
        private readonly client: NectarRealtimeClient,
        table: TableRef,
        private readonly options: LiveTableOptions,
        private readonly onState: (state: LiveTableState<R>) => void,
    ) {
        this.target = client.resolveTable(table);
    }

    start(): void {
        this.unlisten = this.client.on("status", (status) => this.clientStatus(status));
        const given = this.options.primaryKey;
        this.keyColumns = given ? Promise.resolve(given) : this.client.rest.schema(this.target).then((s) => s.primaryKey);
        this.keyColumns.then(
            (keys) => {
                if (this.stopped) return;
                this.store = new RowStore<R>(keys);
                this.flush();
            },
            (error: Error) => this.fail(error),
        );
        const { filter, events, mode, pollInterval } = this.options;
        this.subscription = this.client.subscribe<R>(this.target, { filter, events, mode, pollInterval }, {
            onSubscribed: (info) => {
                if (info.mode === "trigger" && !info.resumed) void this.refetch();
                this.emit();
            },
            onChange: (change) => this.take(change),
            onSnapshot: (_rows, frame) => this.take(frame),
            onResync: () => void this.refetch(),
            onError: (error) => this.fail(error),
        });
        this.emit();
    }

    stop(): void {
        this.stopped = true;
        this.unlisten?.();
        this.subscription?.unsubscribe();
        this.queued = [];
    }

    /** Reads the table again over REST (a resync does this by itself). */
    async refetch(): Promise<void> {
        if (this.fetching) {
            this.fetchAgain = true;
            return;
        }
        this.fetching = true;
        try {
            do {
                this.fetchAgain = false;
                const keys = await (this.keyColumns as Promise<string[]>);
                const rows = await this.client.rest.list<R>(this.target, keys, {
                    filter: this.options.filter,
                    pageSize: this.options.pageSize,
                    maxRows: this.options.maxRows,
                });
                if (this.stopped) return;
                this.store?.reset(rows);
            } while (this.fetchAgain);
            this.loaded = true;
            this.error = null;
        } catch (error) {
            this.error = error as Error;
        } finally {
            this.fetching = false;
        }
        this.flush(); // changes that came during the read: applying them again is harmless
    }

    private take(item: ChangeFrame<R> | SnapshotFrame<R>): void {
        this.queued.push(item);
        this.flush();
    }

    private flush(): void {
        if (this.stopped || this.store === null || this.fetching) {
            return;
        }
        for (const item of this.queued.splice(0)) {
            if (item.type === "snapshot") {
                this.store.reset(item.data);
                this.loaded = true;
                this.error = null;
            } else {
                this.store.apply(item);
            }
        }
        this.emit();
    }

    private fail(error: Error): void {
        this.error = error;
        this.emit();
    }

    private clientStatus(_status: ClientStatus): void {
        this.emit();
    }

    private status(): LiveTableStatus {
        const client = this.client.status;
        if (this.stopped || client === "closed") return "closed";
        if (this.subscription?.status === "failed" || (this.error && !this.loaded)) return "error";
        if (client === "reconnecting") return this.loaded ? "reconnecting" : "connecting";
        return this.loaded && this.subscription?.status === "live" ? "live" : "connecting";
    }

    private emit(): void {
        if (this.stopped) return;
        this.onState({
            data: this.loaded && this.store ? this.store.data : [],
            loading: !this.loaded,
            error: this.error,
            status: this.status(),
        });
    }
}
