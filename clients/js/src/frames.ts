/** The frames of Nectar's realtime WebSocket (`GET /api/v2/realtime`, SPEC §6). */

export type ChangeEventKind = "INSERT" | "UPDATE" | "DELETE";
export type CaptureMode = "trigger" | "poll";

/** A row as the REST face prints it (PostgreSQL's `to_json`). */
export type Row = Record<string, unknown>;

/** The REST filter language: `{"status":"active"}`, `{"price":{"$gt":10}}`, `$or`, ... */
export type Filter = Record<string, unknown>;

export interface SubscribeFrame {
    type: "subscribe";
    id: string;
    service: string;
    table: string;
    events?: ChangeEventKind[];
    filter?: Filter;
    mode?: CaptureMode;
    pollInterval?: number;
    resumeFrom?: number;
}

export interface UnsubscribeFrame {
    type: "unsubscribe";
    id: string;
}

export interface PingFrame {
    type: "ping";
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame;

export interface SubscribedFrame {
    type: "subscribed";
    id: string;
    service: string;
    table: string;
    mode: CaptureMode;
    pollInterval?: number;
    /** The feed's position when the capture ran: every later change is delivered. */
    seq: number;
}

export interface ChangeFrame<R extends Row = Row> {
    type: "change";
    id: string;
    seq: number;
    event: ChangeEventKind;
    /** null for DELETE. */
    new: R | null;
    /** null for INSERT; only the key columns unless the table has REPLICA IDENTITY FULL. */
    old: Partial<R> | null;
    commitTime: string;
    /** The backend's position: an LSN, or `poll:<round>`. */
    position: string;
}

export interface SnapshotFrame<R extends Row = Row> {
    type: "snapshot";
    id: string;
    data: R[];
}

export interface ErrorBody {
    code: number;
    sqlstate: string;
    message: string;
}

export interface ErrorFrame {
    type: "error";
    id?: string;
    error: ErrorBody;
}

export interface ResyncFrame {
    type: "resync";
    id: string;
    resumeFrom: number;
    seq: number;
    message: string;
}

export interface UnsubscribedFrame {
    type: "unsubscribed";
    id: string;
}

export interface PongFrame {
    type: "pong";
}

export type ServerFrame =
    | SubscribedFrame
    | ChangeFrame
    | SnapshotFrame
    | ErrorFrame
    | ResyncFrame
    | UnsubscribedFrame
    | PongFrame;

const SERVER_TYPES = new Set(["subscribed", "change", "snapshot", "error", "resync", "unsubscribed", "pong"]);

/** Parses one text frame; null for anything that is not a server frame this client knows. */
export function parseServerFrame(text: string): ServerFrame | null {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return null;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return null;
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== "string" || !SERVER_TYPES.has(type)) {
        return null;
    }
    return value as ServerFrame;
}

/** Close codes Nectar uses (realtime/README.md). */
export const CloseCode = {
    normal: 1000,
    abnormal: 1006,
    policy: 1008,
    tooBig: 1009,
    slowConsumer: 4008,
} as const;
