/** Polling mode against a live Nectar: a SQLite table changed straight in its file gives snapshot
 * frames (the whole filtered table whenever a round changed something) and change events. */

import { afterEach, describe, expect, it } from "vitest";

import type { ChangeFrame, Row } from "../src/index.js";
import { closeClients, liteExec, makeClient, sleep, waitFor } from "./live.js";

afterEach(closeClients);

const byId = (rows: Row[]) => [...rows].sort((a, b) => (a.id as number) - (b.id as number));

describe("polling mode (SQLite)", () => {
    it("sends the table as snapshots and each change as an event", async () => {
        const client = makeClient();
        const snapshots: Row[][] = [];
        const changes: ChangeFrame[] = [];
        const sub = client.subscribe("lite.polled", {
            pollInterval: 200,
            onSnapshot: (rows) => snapshots.push(rows),
            onChange: (c) => changes.push(c),
        });
        const info = await sub.whenSubscribed();
        expect(info).toMatchObject({ mode: "poll", pollInterval: 200, resumed: false });
        expect(sub.mode).toBe("poll");
        await waitFor("the first snapshot", () => snapshots.length >= 1);
        expect(snapshots[0]).toEqual([]);

        liteExec("INSERT INTO polled (id, name, status, price) VALUES (1, 'lamp', 'in_stock', 2.5), (2, 'desk', 'sold', 30)");
        await waitFor("a snapshot with two rows", () => snapshots.at(-1)!.length === 2);
        const lamp = { id: 1, name: "lamp", status: "in_stock", price: 2.5 };
        const desk = { id: 2, name: "desk", status: "sold", price: 30 };
        expect(byId(snapshots.at(-1)!)).toEqual([lamp, desk]);
        await waitFor("two inserts", () => changes.length >= 2);
        expect(changes.map((c) => [c.event, c.new?.id]).sort()).toEqual([
            ["INSERT", 1],
            ["INSERT", 2],
        ]);
        expect(changes[0]!.position).toMatch(/^poll:\d+$/);

        liteExec("UPDATE polled SET name = 'floor lamp' WHERE id = 1");
        await waitFor("the update", () => changes.length >= 3);
        expect(changes[2]).toMatchObject({ event: "UPDATE", new: { ...lamp, name: "floor lamp" }, old: lamp });
        await waitFor("a snapshot with the update", () => snapshots.at(-1)!.some((r) => r.name === "floor lamp"));

        liteExec("DELETE FROM polled WHERE id = 2");
        await waitFor("the delete", () => changes.length >= 4);
        expect(changes[3]).toMatchObject({ event: "DELETE", new: null, old: desk });
        await waitFor("a snapshot without the desk", () => snapshots.at(-1)!.length === 1);
        expect(snapshots.at(-1)).toEqual([{ ...lamp, name: "floor lamp" }]);
        const seqs = changes.map((c) => c.seq);
        expect(new Set(seqs).size).toBe(seqs.length);
    });

    it("keeps only the rows the filter keeps, in snapshots and events", async () => {
        liteExec("DELETE FROM polled");
        const client = makeClient();
        // 250 ms: a feed of its own, whose first round comes after the DELETE above.
        const snapshots: Row[][] = [];
        const changes: ChangeFrame[] = [];
        const sub = client.subscribe("lite.polled", {
            pollInterval: 250,
            filter: { status: "in_stock" },
            onSnapshot: (rows) => snapshots.push(rows),
            onChange: (c) => changes.push(c),
        });
        await sub.whenSubscribed();
        liteExec("INSERT INTO polled (id, name, status) VALUES (10, 'a', 'in_stock'), (11, 'b', 'sold'), (12, 'c', 'in_stock')");
        await waitFor("a snapshot with the two in stock", () => snapshots.at(-1)?.length === 2);
        expect(byId(snapshots.at(-1)!).map((r) => r.id)).toEqual([10, 12]);
        await waitFor("two inserts", () => changes.length >= 2);
        await sleep(500); // two more rounds
        expect(changes.map((c) => c.new?.id).sort()).toEqual([10, 12]);
    });
});
