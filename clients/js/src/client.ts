/** NectarRealtimeClient: one WebSocket to `GET /api/v2/realtime` carrying any number of table
 * subscriptions; reconnects after an unexpected close (4008 included) and resumes each
 * subscription from its last seq, so missed changes arrive once, in order. */

import { Backoff, type BackoffOptions } from "./backoff.js";
import {
    authHeaders,
    credentialedUrl,
    type Credentials,
    realtimeUrl,
    resolveTable,
    restBase,
    type TableRef,
    type TableTarget,
} from "./endpoint.js";
import { CloseCode, type ClientFrame, parseServerFrame, type Row, type ServerFrame } from "./frames.js";
import { RestClient } from "./rest.js";
import {
    NectarRealtimeError,
    type SubscribeOptions,
    Subscription,
    type SubscriptionHandlers,
} from "./subscription.js";
import type { WebSocketConstructor, WebSocketLike } from "./websocket.js";

export interface ClientOptions extends Credentials {
    /** `ws(s)://host:port` or `http(s)://host:port`, optionally with `/api/v2/realtime`. */
    url: string;
    /** The brief's spelling of the credentials: `auth: {token}` or `auth: {apiKey}`. */
    auth?: Credentials;
    /** The service of bare table names (`subscribe("orders")`). */
    service?: string;
    /** A WebSocket implementation: `ws` in Node (which has none built in before 22, nor one that
     * sends headers); `globalThis.WebSocket` otherwise. Only a `role` needs one that takes headers. */
    WebSocket?: WebSocketConstructor;
    /** For REST reads (`client.rest`); `globalThis.fetch` otherwise. */
    fetch?: typeof fetch;
    /** Reconnect delays; `false` never reconnects. */
    reconnect?: BackoffOptions | false;
    /** A `ping` frame this often while open (default 25 s; 0: none) ... */
    heartbeatIntervalMs?: number;
    /** ... and a connection silent this long after one is dropped and reopened (default 10 s). */
    heartbeatTimeoutMs?: number;
    /** A connection not open by then is dropped and retried (default 10 s). */
    connectTimeoutMs?: number;
}

/** A connection open this long resets the reconnect delays. */
const STABLE_AFTER_MS = 5_000;

export type ClientStatus = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface CloseInfo {
    code: number;
    reason: string;
    /** Whether the client will connect again. */
    reconnecting: boolean;
}

interface ClientEvents {
    status: (status: ClientStatus) => void;
    error: (error: Error) => void;
    close: (info: CloseInfo) => void;
}

export class NectarRealtimeClient {
    readonly url: string;
    readonly rest: RestClient;
    private readonly options: ClientOptions;
    private readonly headers: Record<string, string>;
    private readonly socketHeaders: Record<string, string>;
    private readonly socketUrl: string;
    private readonly backoff: Backoff | null;
    private readonly subscriptions = new Map<string, Subscription<any>>();
    private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
        status: new Set(),
        error: new Set(),
        close: new Set(),
    };
    private socket: WebSocketLike | null = null;
    private status_: ClientStatus = "idle";
    private nextId = 1;
    private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
    private connectTimer: ReturnType<typeof setTimeout> | null = null;
    private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
    private silenceTimer: ReturnType<typeof setTimeout> | null = null;
    private openedAt: number | null = null;

    constructor(options: ClientOptions | string) {
        this.options = typeof options === "string" ? { url: options } : { ...options };
        const credentials: Credentials = { ...this.options.auth };
        for (const key of ["apiKey", "token", "role"] as const) {
            if (this.options[key] !== undefined) credentials[key] = this.options[key];
        }
        this.url = realtimeUrl(this.options.url);
        this.headers = authHeaders(credentials);
        // Credentials ride in the upgrade's query, which every WebSocket can send; only a role
        // needs a header (an implementation that takes headers: ws, undici).
        this.socketHeaders = credentials.role ? this.headers : {};
        this.socketUrl = credentials.role ? this.url : credentialedUrl(this.url, credentials);
        this.backoff = this.options.reconnect === false ? null : new Backoff(this.options.reconnect ?? {});
        this.rest = new RestClient(restBase(this.url), this.headers, this.options.fetch);
    }

    get status(): ClientStatus {
        return this.status_;
    }

    /** The subscriptions not yet unsubscribed (or refused). */
    get activeSubscriptions(): Subscription<Row>[] {
        return [...this.subscriptions.values()];
    }

    /** Listens to status changes, errors not tied to a subscription, and closes; returns the
     * function that stops listening. */
    on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
        this.listeners[event].add(listener);
        return () => this.listeners[event].delete(listener);
    }

    /** `"service.table"`, `{service, table}` or a bare table of the default service. */
    resolveTable(table: TableRef): TableTarget {
        return resolveTable(table, this.options.service);
    }

    /** Follows a table's changes. Handlers may be given in `options` (as the product brief
     * writes them) or as the third argument. Connects on first use. */
    subscribe<R extends Row = Row>(
        table: TableRef,
        options: SubscribeOptions & SubscriptionHandlers<R> = {},
        handlers: SubscriptionHandlers<R> = {},
    ): Subscription<R> {
        if (this.status_ === "closed") {
            throw new Error("the client is closed");
        }
        const target = this.resolveTable(table);
        const { filter, events, mode, pollInterval, resumeFrom, ...inline } = options;
        const subscription = new Subscription<R>(
            `s${this.nextId++}`,
            target,
            { filter, events, mode, pollInterval, resumeFrom },
            { ...inline, ...handlers },
            (s) => this.detach(s),
        );
        this.subscriptions.set(subscription.id, subscription);
        if (this.status_ === "open") {
            this.send(subscription.subscribeFrame());
        } else if (this.status_ === "idle") {
            this.connect();
        }
        return subscription;
    }

    /** Opens the connection now rather than at the first subscribe. */
    connect(): void {
        if (this.status_ === "closed" || this.socket !== null) {
            return;
        }
        this.clearTimer("reconnectTimer");
        this.setStatus(this.status_ === "reconnecting" ? "reconnecting" : "connecting");
        const Impl = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
        if (!Impl) {
            throw new Error("no WebSocket implementation: pass one (e.g. the ws package) as options.WebSocket");
        }
        let socket: WebSocketLike;
        try {
            // ws and undici take headers as a second argument; a browser's WebSocket cannot send any.
            socket = Object.keys(this.socketHeaders).length > 0
                ? new Impl(this.socketUrl, { headers: this.socketHeaders })
                : new Impl(this.socketUrl);
        } catch (e) {
            // Nothing a retry would change (a bad URL, or headers given to a browser's WebSocket).
            this.emit("error", new Error(`cannot open ${this.url}: ${(e as Error).message}`));
            this.close();
            return;
        }
        this.socket = socket;
        socket.onopen = () => this.opened(socket);
        socket.onmessage = (event) => this.received(socket, event.data);
        socket.onerror = (event) => {
            const message = (event as { message?: string }).message ?? "WebSocket error";
            this.emit("error", new Error(message));
        };
        socket.onclose = (event) => this.closed(socket, event.code, event.reason);
        const timeout = this.options.connectTimeoutMs ?? 10_000;
        this.connectTimer = setTimeout(() => this.drop(socket, CloseCode.abnormal, "connect timeout"), timeout);
    }

    /** Ends every subscription and the connection; no reconnect follows. */
    close(): void {
        if (this.status_ === "closed") {
            return;
        }
        const socket = this.socket;
        this.socket = null;
        if (socket) {
            detachHandlers(socket);
            try {
                socket.close(CloseCode.normal, "client closed");
            } catch {
                // already closing
            }
        }
        this.finish();
        this.emit("close", { code: CloseCode.normal, reason: "client closed", reconnecting: false });
    }

    private finish(): void {
        this.setStatus("closed");
        this.clearTimers();
        for (const subscription of this.subscriptions.values()) {
            subscription.end(new Error("client closed"));
        }
        this.subscriptions.clear();
    }

    private opened(socket: WebSocketLike): void {
        if (socket !== this.socket) return;
        this.openedAt = Date.now();
        this.clearTimer("connectTimer");
        this.setStatus("open");
        for (const subscription of this.subscriptions.values()) {
            this.send(subscription.subscribeFrame());
        }
        const interval = this.options.heartbeatIntervalMs ?? 25_000;
        if (interval > 0) {
            this.heartbeatTimer = setInterval(() => this.heartbeat(socket), interval);
        }
    }

    private received(socket: WebSocketLike, data: unknown): void {
        if (socket !== this.socket) return;
        this.clearTimer("silenceTimer"); // any frame shows the connection is alive
        const frame = typeof data === "string" ? parseServerFrame(data) : null;
        if (!frame) {
            this.emit("error", new Error("Nectar sent a frame this client does not understand"));
            return;
        }
        this.dispatch(frame);
    }

    private dispatch(frame: ServerFrame): void {
        if (frame.type === "pong") {
            return;
        }
        if (frame.type === "error" && frame.id === undefined) {
            this.emit("error", new NectarRealtimeError(frame.error));
            return;
        }
        const subscription = this.subscriptions.get(frame.id as string);
        if (!subscription) {
            return; // unsubscribed meanwhile
        }
        switch (frame.type) {
            case "subscribed":
                subscription.onSubscribed(frame);
                break;
            case "change":
                subscription.onChange(frame);
                break;
            case "snapshot":
                subscription.onSnapshot(frame);
                break;
            case "resync":
                subscription.onResync(frame);
                break;
            case "error":
                subscription.onError(frame.error);
                break;
            case "unsubscribed":
                break;
        }
    }

    private closed(socket: WebSocketLike, code: number, reason: string): void {
        if (socket !== this.socket) return;
        this.lost(code, reason);
    }

    /** Gives up on a socket without waiting for its closing handshake. */
    private drop(socket: WebSocketLike, code: number, reason: string): void {
        if (socket !== this.socket) return;
        detachHandlers(socket);
        try {
            if (typeof socket.terminate === "function") socket.terminate();
            else socket.close(4000, reason);
        } catch {
            // already closed
        }
        this.lost(code, reason);
    }

    private lost(code: number, reason: string): void {
        // Delays grow again from the first only after a connection that lasted: a server that
        // accepts and then closes at once is not hammered.
        if (this.openedAt !== null && Date.now() - this.openedAt >= STABLE_AFTER_MS) {
            this.backoff?.reset();
        }
        this.openedAt = null;
        if (this.socket) detachHandlers(this.socket);
        this.socket = null;
        this.clearTimers();
        for (const subscription of this.subscriptions.values()) {
            subscription.disconnected();
        }
        const reconnecting = this.backoff !== null;
        if (!reconnecting) {
            this.finish();
        }
        this.emit("close", { code, reason, reconnecting });
        this.scheduleReconnect();
    }

    private scheduleReconnect(): void {
        if (this.status_ === "closed" || this.backoff === null) return;
        this.setStatus("reconnecting");
        this.reconnectTimer = setTimeout(() => {
            this.reconnectTimer = null;
            this.connect();
        }, this.backoff.next());
    }

    private heartbeat(socket: WebSocketLike): void {
        this.send({ type: "ping" });
        if (this.silenceTimer === null) {
            const timeout = this.options.heartbeatTimeoutMs ?? 10_000;
            this.silenceTimer = setTimeout(() => this.drop(socket, CloseCode.abnormal, "no answer to ping"), timeout);
        }
    }

    private detach(subscription: Subscription<any>): void {
        if (!this.subscriptions.delete(subscription.id)) return;
        if (this.status_ === "open" && subscription.status !== "failed") {
            this.send({ type: "unsubscribe", id: subscription.id });
        }
    }

    private send(frame: ClientFrame): void {
        try {
            this.socket?.send(JSON.stringify(frame));
        } catch (e) {
            this.emit("error", e as Error); // the close that follows reconnects
        }
    }

    private setStatus(status: ClientStatus): void {
        if (this.status_ === status) return;
        this.status_ = status;
        this.emit("status", status);
    }

    private emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void {
        for (const listener of [...this.listeners[event]]) {
            (listener as (...a: Parameters<ClientEvents[K]>) => void)(...args);
        }
    }

    private clearTimer(name: "reconnectTimer" | "connectTimer" | "heartbeatTimer" | "silenceTimer"): void {
        const timer = this[name];
        if (timer !== null) {
            clearTimeout(timer);
            clearInterval(timer);
            this[name] = null;
        }
    }

    private clearTimers(): void {
        this.clearTimer("reconnectTimer");
        this.clearTimer("connectTimer");
        this.clearTimer("heartbeatTimer");
        this.clearTimer("silenceTimer");
    }
}

/** Stops a socket's events reaching the client; errors still need a handler (ws throws an
 * unhandled 'error', e.g. when a connecting socket is terminated). */
function detachHandlers(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onerror = () => {};
    socket.onclose = null;
}
