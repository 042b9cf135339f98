/** NectarRealtimeClient against a live Nectar: changes made straight in PostgreSQL (native
 * capture) arrive as change events with their new and old rows; filters and event lists are
 * honoured; unsubscribe stops delivery. */

import { afterAll, afterEach, describe, expect, it } from "vitest";

import type { ChangeFrame, NectarRealtimeError, SubscribedInfo } from "../src/index.js";
import { closeClients, closePg, live, makeClient, pgExec, sleep, waitFor } from "./live.js";

afterEach(closeClients);
afterAll(closePg);

interface Item extends Record<string, unknown> {
    id: number;
    name: string | null;
    status: string | null;
    price: number | null;
    meta: unknown;
}

describe("subscribe to a PostgreSQL table (native capture)", () => {
    it("delivers INSERT, UPDATE and DELETE with their new and old rows, in seq order", async () => {
        const client = makeClient();
        const changes: ChangeFrame<Item>[] = [];
        const sub = client.subscribe<Item>("pg.items", {}, { onChange: (c) => changes.push(c) });
        const info = await sub.whenSubscribed();
        expect(info.mode).toBe("trigger");
        expect(client.status).toBe("open");

        await pgExec(`INSERT INTO items (id, name, status, price, meta) VALUES (1, 'lamp', 'in_stock', 12.50, '{"w": 3}')`);
        await pgExec("UPDATE items SET name = 'desk lamp', price = 14.25 WHERE id = 1");
        await pgExec("DELETE FROM items WHERE id = 1");
        await waitFor("three changes", () => changes.length >= 3);

        const inserted = { id: 1, name: "lamp", status: "in_stock", price: 12.5, meta: { w: 3 } };
        const updated = { ...inserted, name: "desk lamp", price: 14.25 };
        expect(changes.map((c) => c.event)).toEqual(["INSERT", "UPDATE", "DELETE"]);
        expect(changes[0]).toMatchObject({ type: "change", id: sub.id, new: inserted, old: null });
        expect(changes[1]).toMatchObject({ new: updated, old: inserted }); // REPLICA IDENTITY FULL
        expect(changes[2]).toMatchObject({ new: null, old: updated });
        expect(changes.map((c) => c.seq)).toEqual([info.seq + 1, info.seq + 2, info.seq + 3]);
        for (const c of changes) {
            expect(Date.parse(c.commitTime)).toBeGreaterThan(Date.now() - 60_000);
            expect(c.position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        }
        expect(sub.lastSeq).toBe(info.seq + 3);
        await sleep(300);
        expect(changes).toHaveLength(3);
    });

    it("takes the product brief's form: a bare table of the default service, handlers in the options", async () => {
        const client = makeClient({ service: "pg" });
        const seen: string[] = [];
        const subscribed: SubscribedInfo[] = [];
        client.subscribe<Item>("items", {
            events: ["INSERT", "UPDATE"],
            onInsert: (row) => seen.push(`insert ${row.id} ${row.name}`),
            onUpdate: (row) => seen.push(`update ${row.id} ${row.name}`),
            onDelete: (old) => seen.push(`delete ${old.id}`),
            onSubscribed: (info) => subscribed.push(info),
        });
        await waitFor("subscribed", () => subscribed.length === 1);
        await pgExec("INSERT INTO items (id, name) VALUES (2, 'chair')");
        await pgExec("UPDATE items SET name = 'armchair' WHERE id = 2");
        await pgExec("DELETE FROM items WHERE id = 2");
        await pgExec("INSERT INTO items (id, name) VALUES (3, 'sofa')");
        await waitFor("three events", () => seen.length >= 3);
        await sleep(300);
        expect(seen).toEqual(["insert 2 chair", "update 2 armchair", "insert 3 sofa"]); // no DELETE asked
    });

    it("honours the filter (REST filter language), on the new row and on the old row for DELETE", async () => {
        const client = makeClient();
        const got: ChangeFrame<Item>[] = [];
        const sub = client.subscribe<Item>({ service: "pg", table: "filtered" }, {
            filter: { status: "in_stock", price: { $gte: 10 } },
            onChange: (c) => got.push(c),
        });
        await sub.whenSubscribed();
        await pgExec(
            "INSERT INTO filtered (id, status, price) VALUES (1, 'in_stock', 20), (2, 'sold', 20), (3, 'in_stock', 5)",
        );
        await pgExec("UPDATE filtered SET status = 'in_stock' WHERE id = 2");
        await pgExec("UPDATE filtered SET price = 1 WHERE id = 3");
        await pgExec("DELETE FROM filtered WHERE id IN (1, 3)");
        await waitFor("three matching changes", () => got.length >= 3);
        await sleep(300);
        expect(got.map((c) => [c.event, (c.new ?? c.old)?.id])).toEqual([
            ["INSERT", 1],
            ["UPDATE", 2],
            ["DELETE", 1],
        ]);
        // A filtered subscription sees the feed's seqs with gaps, still increasing.
        const seqs = got.map((c) => c.seq);
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
        expect(new Set(seqs).size).toBe(3);
    });

    it("reports a refused subscribe (unknown table, bad filter) as a failed subscription", async () => {
        const client = makeClient();
        const errors: NectarRealtimeError[] = [];
        const missing = client.subscribe("pg.nowhere", { onError: (e) => errors.push(e) });
        await expect(missing.whenSubscribed()).rejects.toThrow(/does not exist/);
        expect(missing.status).toBe("failed");
        expect(errors[0]).toMatchObject({ code: 404, sqlstate: "42P01" });

        const badFilter = client.subscribe("pg.items", { filter: { nope: 1 } });
        await expect(badFilter.whenSubscribed()).rejects.toThrow(/nope/);
        // The connection stays usable.
        const fine = client.subscribe("pg.items");
        await expect(fine.whenSubscribed()).resolves.toMatchObject({ mode: "trigger" });
    });
});

describe("connection", () => {
    it("reports an upgrade Nectar refuses (wrong API key) and keeps retrying", async () => {
        const client = makeClient({ apiKey: "not-the-key" });
        const errors: string[] = [];
        client.on("error", (e) => errors.push(e.message));
        const sub = client.subscribe("pg.items");
        await waitFor("the 401", () => errors.some((m) => m.includes("401")));
        await waitFor("a retry", () => errors.filter((m) => m.includes("401")).length >= 2);
        expect(client.status).toBe("reconnecting");
        expect(sub.status).toBe("pending");
    });

    it("authenticates with the API key (the upgrade goes through REST auth)", async () => {
        const client = makeClient({ apiKey: undefined, auth: { apiKey: live().apiKey } });
        await expect(client.subscribe("pg.items").whenSubscribed()).resolves.toMatchObject({ mode: "trigger" });
    });
});

describe("unsubscribe", () => {
    it("stops delivery to that subscription only", async () => {
        const client = makeClient();
        const a: number[] = [];
        const b: number[] = [];
        const subA = client.subscribe<Item>("pg.unsubscribed", { onInsert: (row) => a.push(row.id) });
        const subB = client.subscribe<Item>("pg.unsubscribed", { onInsert: (row) => b.push(row.id) });
        await Promise.all([subA.whenSubscribed(), subB.whenSubscribed()]);
        await pgExec("INSERT INTO unsubscribed (id) VALUES (1)");
        await waitFor("both got row 1", () => a.length === 1 && b.length === 1);

        subA.unsubscribe();
        expect(subA.status).toBe("closed");
        await pgExec("INSERT INTO unsubscribed (id) VALUES (2)");
        await pgExec("INSERT INTO unsubscribed (id) VALUES (3)");
        await waitFor("B got rows 2 and 3", () => b.length === 3);
        await sleep(300);
        expect(a).toEqual([1]);
        expect(b).toEqual([1, 2, 3]);
    });

    it("close() ends every subscription without reconnecting", async () => {
        const client = makeClient();
        const statuses: string[] = [];
        client.on("status", (s) => statuses.push(s));
        const sub = client.subscribe("pg.unsubscribed");
        await sub.whenSubscribed();
        client.close();
        expect(sub.status).toBe("closed");
        await sleep(300);
        expect(statuses).toEqual(["connecting", "open", "closed"]);
        expect(() => client.subscribe("pg.unsubscribed")).toThrow(/closed/);
    });
});
