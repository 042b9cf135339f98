/** The part of the WebSocket API the client uses: what browsers, Node 22's undici and the `ws`
 * package all provide (handler properties, not addEventListener, to keep the surface small).
 * Event parameters are `any` so that each implementation's own event types fit. */

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface WebSocketLike {
    readonly readyState: number;
    onopen: ((event: any) => void) | null;
    /** `event.data`: the text of a text frame. */
    onmessage: ((event: any) => void) | null;
    onerror: ((event: any) => void) | null;
    /** `event.code`, `event.reason`. */
    onclose: ((event: any) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    /** ws's immediate teardown, when there is one. */
    terminate?: () => void;
}

/** `new WebSocket(url)`; with credentials `new WebSocket(url, {headers})` (ws, undici). */
export type WebSocketConstructor = new (url: string, ...rest: any[]) => WebSocketLike;
