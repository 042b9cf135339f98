/** The client against a scripted server: since Nectar frames a resume's replay as the client
 * reads it, pongs and other subscriptions' frames may come in the middle of a replay; none of
 * them may cut it short, and a reconnect resumes from the last change delivered. */

import { describe, expect, it } from "vitest";

import { type ChangeFrame, NectarRealtimeClient, type ServerFrame, type WebSocketConstructor } from "../src/index.js";

/** A WebSocket whose server side the test plays: what the client sent, and frames to send it. */
class ScriptedSocket {
    static sockets: ScriptedSocket[] = [];
    readyState = 0;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    readonly sent: Record<string, unknown>[] = [];

    constructor(readonly url: string) {
        ScriptedSocket.sockets.push(this);
    }
    send(data: string): void {
        this.sent.push(JSON.parse(data) as Record<string, unknown>);
    }
    close(): void {
        this.readyState = 3;
    }
    open(): void {
        this.readyState = 1;
        this.onopen?.({});
    }
    deliver(...frames: ServerFrame[]): void {
        for (const frame of frames) this.onmessage?.({ data: JSON.stringify(frame) });
    }
    closeFromServer(code: number, reason: string): void {
        this.readyState = 3;
        this.onclose?.({ code, reason });
    }
}

function insert(id: string, seq: number): ChangeFrame {
    return { type: "change", id, seq, event: "INSERT", new: { id: seq }, old: null, commitTime: "", position: "" };
}

async function nextSocket(count: number): Promise<ScriptedSocket> {
    for (let i = 0; i < 200 && ScriptedSocket.sockets.length < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(ScriptedSocket.sockets).toHaveLength(count);
    return ScriptedSocket.sockets[count - 1]!;
}

describe("a resume's replay", () => {
    it("is not ended by a pong or another subscription's frames; a reconnect resumes from the last change", async () => {
        ScriptedSocket.sockets = [];
        const client = new NectarRealtimeClient({
            url: "ws://nectar.invalid",
            WebSocket: ScriptedSocket as unknown as WebSocketConstructor,
            reconnect: { initialDelayMs: 1, maxDelayMs: 1, jitter: 0 },
            heartbeatIntervalMs: 0,
        });
        const seen: number[] = [];
        const other: number[] = [];
        const sub = client.subscribe("pg.big", { onChange: (c) => seen.push(c.seq) });
        client.subscribe("pg.small", { onChange: (c) => other.push(c.seq) });
        const first = await nextSocket(1);
        first.open();
        first.deliver(
            { type: "subscribed", id: "s1", service: "pg", table: "big", mode: "trigger", seq: 100 },
            { type: "subscribed", id: "s2", service: "pg", table: "small", mode: "trigger", seq: 500 },
            insert("s1", 101),
        );
        first.closeFromServer(4008, "slow consumer");

        const second = await nextSocket(2);
        second.open();
        expect(second.sent.filter((f) => f.type === "subscribe")).toEqual([
            { type: "subscribe", id: "s1", service: "pg", table: "big", resumeFrom: 101 },
            { type: "subscribe", id: "s2", service: "pg", table: "small", resumeFrom: 500 },
        ]);
        // The order a backlog framed as the client reads allows: the feed stood at 110 then.
        second.deliver(
            { type: "subscribed", id: "s1", service: "pg", table: "big", mode: "trigger", seq: 110 },
            insert("s1", 102),
            { type: "pong" },
            { type: "subscribed", id: "s2", service: "pg", table: "small", mode: "trigger", seq: 500 },
            insert("s1", 103),
            insert("s2", 501),
            insert("s1", 104),
            insert("s1", 102), // at least once on the wire: dropped here
        );
        expect(sub.lastSeq).toBe(104);
        second.closeFromServer(4008, "slow consumer");

        const third = await nextSocket(3);
        third.open();
        expect(third.sent.find((f) => f.id === "s1" && f.type === "subscribe")).toMatchObject({ resumeFrom: 104 });
        third.deliver(
            { type: "subscribed", id: "s1", service: "pg", table: "big", mode: "trigger", seq: 110 },
            ...[105, 106, 107, 108, 109, 110, 111].map((seq) => insert("s1", seq)),
        );
        expect(seen).toEqual([101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111]);
        expect(other).toEqual([501]);
        client.close();
    });

    it("resumes from the resumeFrom option when the connection drops before any change", async () => {
        ScriptedSocket.sockets = [];
        const client = new NectarRealtimeClient({
            url: "ws://nectar.invalid",
            WebSocket: ScriptedSocket as unknown as WebSocketConstructor,
            reconnect: { initialDelayMs: 1, maxDelayMs: 1, jitter: 0 },
            heartbeatIntervalMs: 0,
        });
        const sub = client.subscribe("pg.big", { resumeFrom: 40 });
        const first = await nextSocket(1);
        first.open();
        first.deliver({ type: "subscribed", id: "s1", service: "pg", table: "big", mode: "trigger", seq: 90 });
        expect(sub.lastSeq).toBe(40);
        first.closeFromServer(1006, "");
        const second = await nextSocket(2);
        second.open();
        expect(second.sent[0]).toMatchObject({ type: "subscribe", id: "s1", resumeFrom: 40 });
        client.close();
    });
});
