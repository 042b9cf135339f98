/** Reconnects against a live Nectar: a socket cut while the table changes comes back with
 * `resumeFrom` and gets every missed change once, in seq order; a point Nectar no longer holds
 * gives `resync`; a slow consumer closed with 4008 resumes too, however much it missed. */

import { afterAll, afterEach, describe, expect, it } from "vitest";

import type { ChangeFrame, CloseInfo, ResyncFrame, SubscribedInfo } from "../src/index.js";
import { closeClients, closePg, gatedWebSocket, makeClient, pgExec, sleep, waitFor } from "./live.js";

afterEach(closeClients);
afterAll(closePg);

type Item = { id: number; name: string | null } & Record<string, unknown>;

/** Each seq once, increasing. */
function expectOnceInOrder(changes: ChangeFrame[]): void {
    const seqs = changes.map((c) => c.seq);
    for (let i = 1; i < seqs.length; i++) {
        expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    }
}

describe("reconnect", () => {
    it("resumes after an unexpected close: the changes made meanwhile arrive once, in order", async () => {
        const { gate, WebSocket, current } = gatedWebSocket();
        const client = makeClient({ WebSocket });
        const closes: CloseInfo[] = [];
        client.on("close", (info) => closes.push(info));
        const changes: ChangeFrame<Item>[] = [];
        const subscribed: SubscribedInfo[] = [];
        const sub = client.subscribe<Item>("pg.resumed", {
            onChange: (c) => changes.push(c),
            onSubscribed: (info) => subscribed.push(info),
        });
        await sub.whenSubscribed();
        await pgExec("INSERT INTO resumed (id, name) VALUES (1, 'before')");
        await waitFor("the first change", () => changes.length === 1);
        const seen = changes[0]!.seq;

        // Cut the connection and keep the client away (its retries hit a closed port).
        gate.blocked = true;
        current().terminate();
        await waitFor("the client to notice", () => client.status === "reconnecting");
        for (let id = 2; id <= 6; id++) {
            await pgExec("INSERT INTO resumed (id, name) VALUES ($1, 'missed')", [id]);
        }
        await pgExec("UPDATE resumed SET name = 'changed' WHERE id = 3");
        await waitFor("two refused retries", () => gate.attempts >= 3);
        expect(changes).toHaveLength(1);
        await sleep(500); // the changes reach Nectar's replay buffer while no one listens

        gate.blocked = false;
        await waitFor("the missed changes", () => changes.length >= 7);
        expect(subscribed.map((s) => s.resumed)).toEqual([false, true]);
        expect(closes[0]).toMatchObject({ code: 1006, reconnecting: true });
        const missed = changes.slice(1);
        expect(missed.map((c) => [c.event, c.new?.id])).toEqual([
            ["INSERT", 2],
            ["INSERT", 3],
            ["INSERT", 4],
            ["INSERT", 5],
            ["INSERT", 6],
            ["UPDATE", 3],
        ]);
        expect(missed.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6].map((n) => seen + n));

        await pgExec("INSERT INTO resumed (id, name) VALUES (7, 'live')");
        await waitFor("the live change", () => changes.length >= 8);
        await sleep(300);
        expect(changes.map((c) => c.new?.id)).toEqual([1, 2, 3, 4, 5, 6, 3, 7]);
        expect(changes[7]!.seq).toBe(seen + 7);
        expectOnceInOrder(changes);
        expect(sub.lastSeq).toBe(seen + 7);
    });

    it("resumes a filtered subscription with the matching changes only, from its last match", async () => {
        const { gate, WebSocket, current } = gatedWebSocket();
        const client = makeClient({ WebSocket });
        const ids: number[] = [];
        const sub = client.subscribe<Item>("pg.resumed", {
            filter: { name: "kept" },
            onInsert: (row) => ids.push(row.id),
        });
        const first = await sub.whenSubscribed();
        await pgExec("INSERT INTO resumed (id, name) VALUES (100, 'kept'), (101, 'skipped')");
        await waitFor("row 100", () => ids.length === 1);
        gate.blocked = true;
        current().terminate();
        await waitFor("the client to notice", () => client.status === "reconnecting");
        await pgExec("INSERT INTO resumed (id, name) VALUES (102, 'kept'), (103, 'skipped')");
        await sleep(300);
        gate.blocked = false;
        await waitFor("row 102", () => ids.length === 2);
        // Its position is its last match (102): nothing says the replay ended before a later change.
        expect(sub.lastSeq).toBe(first.seq + 3);
        await sleep(300);
        expect(ids).toEqual([100, 102]);
        await pgExec("INSERT INTO resumed (id, name) VALUES (104, 'skipped')");
        await pgExec("INSERT INTO resumed (id, name) VALUES (105, 'kept')");
        await waitFor("row 105", () => ids.length === 3);
        expect(ids).toEqual([100, 102, 105]);
        expect(sub.lastSeq).toBe(first.seq + 6);
    });

    it("drops a connection that stops answering its heartbeat pings, and resumes", async () => {
        const { gate, WebSocket, current } = gatedWebSocket();
        const client = makeClient({ WebSocket, heartbeatIntervalMs: 250, heartbeatTimeoutMs: 1500 });
        const closes: CloseInfo[] = [];
        client.on("close", (info) => closes.push(info));
        const ids: number[] = [];
        const sub = client.subscribe<Item>("pg.resumed", { filter: { name: "beat" }, onInsert: (r) => ids.push(r.id) });
        await sub.whenSubscribed();
        await sleep(1000); // pongs come back: the connection stays
        expect(closes).toEqual([]);
        current().pause(); // what a half-open connection looks like: nothing comes in any more
        await pgExec("INSERT INTO resumed (id, name) VALUES (200, 'beat')");
        await waitFor("the drop", () => closes.length === 1, 5_000);
        expect(closes[0]).toMatchObject({ reason: "no answer to ping", reconnecting: true });
        await waitFor("the change, after the resume", () => ids.length === 1);
        expect(ids).toEqual([200]);
        expect(gate.sockets).toHaveLength(2);
    });

    it("surfaces resync when the resume point is no longer held, then follows live changes", async () => {
        const client = makeClient();
        const resyncs: ResyncFrame[] = [];
        const changes: ChangeFrame<Item>[] = [];
        const sub = client.subscribe<Item>("pg.resynced", {
            resumeFrom: 12345, // older than anything a feed holds (its seqs start at the clock in µs)
            onResync: (r) => resyncs.push(r),
            onChange: (c) => changes.push(c),
        });
        const info = await sub.whenSubscribed();
        expect(info.resumed).toBe(true);
        await waitFor("resync", () => resyncs.length === 1);
        expect(resyncs[0]).toMatchObject({ id: sub.id, resumeFrom: 12345, seq: info.seq });
        expect(sub.lastSeq).toBe(info.seq);
        await pgExec("INSERT INTO resynced (id, name) VALUES (1, 'after')");
        await waitFor("the change after resync", () => changes.length === 1);
        expect(changes[0]!.seq).toBe(info.seq + 1);
    });

    it("resumes after a 4008 close: every missed row arrives once, in order, though more than Nectar queues", async () => {
        const { WebSocket, current } = gatedWebSocket();
        const client = makeClient({ WebSocket });
        const closes: CloseInfo[] = [];
        client.on("close", (info) => closes.push(info));
        const changes: ChangeFrame<Item>[] = [];
        const subscribed: SubscribedInfo[] = [];
        const resyncs: ResyncFrame[] = [];
        const sub = client.subscribe<Item>("pg.slow", {
            onChange: (c) => changes.push(c),
            onSubscribed: (info) => subscribed.push(info),
            onResync: (r) => resyncs.push(r),
        });
        const first = await sub.whenSubscribed();
        // A second client that only wants the last row tells when Nectar has captured them all.
        const lastRow: number[] = [];
        const watcher = makeClient().subscribe<Item>("pg.slow", { filter: { id: 40 }, onInsert: (r) => lastRow.push(r.id) });
        await watcher.whenSubscribed();
        // Stop reading: TCP pushes back, and Nectar's queue for this client passes its 8 MiB bound.
        const stalled = current();
        stalled.pause();
        const rows = 40;
        const rowBytes = 600_000; // 24 MB of frames in all
        for (let start = 1; start <= rows; start += 10) {
            await pgExec(
                "INSERT INTO slow (id, name) SELECT g, repeat('x', $3::int) FROM generate_series($1::int, $2::int) g",
                [start, start + 9, rowBytes],
            );
        }
        await waitFor("Nectar to capture every row", () => lastRow.length === 1, 20_000);
        await sleep(300);
        stalled.resume();
        await waitFor("the 4008 close", () => closes.length >= 1, 15_000);
        expect(closes[0]).toMatchObject({ code: 4008, reconnecting: true });
        expect(closes[0]!.reason).toMatch(/slow consumer/);
        const beforeClose = changes.length;

        // The resume brings the rest, in order, once: no second 4008, no resync.
        await waitFor("every row", () => changes.length >= rows, 30_000);
        expect(changes.map((c) => c.new?.id)).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
        expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: rows }, (_, i) => first.seq + 1 + i));
        expect(changes.every((c) => c.event === "INSERT" && c.new?.name?.length === rowBytes)).toBe(true);
        // What the replay carried is more than Nectar lets one connection queue (8 MiB).
        expect((rows - beforeClose) * rowBytes).toBeGreaterThan(8 * 1024 * 1024);
        expect(subscribed.map((s) => s.resumed)).toEqual([false, true]);
        expect(resyncs).toEqual([]);

        await pgExec("INSERT INTO slow (id, name) VALUES (1000, 'small')");
        await waitFor("the live change", () => changes.length === rows + 1);
        expect(changes.at(-1)).toMatchObject({ seq: first.seq + rows + 1, new: { id: 1000, name: "small" } });
        await sleep(300);
        expect(changes).toHaveLength(rows + 1);
        expect(closes).toHaveLength(1);
        expect(sub.lastSeq).toBe(first.seq + rows + 1);
        expect(client.status).toBe("open");
    });
});
