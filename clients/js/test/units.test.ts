/** The pure parts: reconnect delays, applying change events by key, addresses and table names. */

import { describe, expect, it } from "vitest";

import { Backoff, realtimeUrl, resolveTable, restBase, RowStore, type ChangeFrame } from "../src/index.js";

describe("Backoff", () => {
    it("doubles from the first delay up to the cap, each delay jittered within [(1-jitter)·d, d]", () => {
        const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }, () => 0);
        expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
        const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }, () => 1);
        expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
        high.reset();
        expect(high.next()).toBe(100);
        const random = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 });
        for (let i = 0; i < 50; i++) {
            const d = random.next();
            expect(d).toBeGreaterThanOrEqual(Math.min(1000, 100 * 2 ** i) / 2 - 1);
            expect(d).toBeLessThanOrEqual(1000);
        }
    });
});

function change(event: ChangeFrame["event"], row: Record<string, unknown> | null, old: Record<string, unknown> | null, seq: number): ChangeFrame {
    return { type: "change", id: "s1", seq, event, new: row, old, commitTime: "", position: "" };
}

describe("RowStore", () => {
    it("applies INSERT, UPDATE (key change included) and DELETE (key-only old row) by primary key", () => {
        const store = new RowStore(["id"]);
        store.reset([{ id: 1, name: "a" }, { id: 2, name: "b" }]);
        const before = store.data;
        expect(store.data).toBe(before); // the same array until something changes
        store.apply(change("INSERT", { id: 3, name: "c" }, null, 1));
        store.apply(change("UPDATE", { id: 1, name: "a2" }, null, 2));
        store.apply(change("UPDATE", { id: 20, name: "b" }, { id: 2 }, 3));
        store.apply(change("DELETE", null, { id: 3 }, 4));
        expect(store.data).toEqual([{ id: 1, name: "a2" }, { id: 20, name: "b" }]);
        expect(store.data).not.toBe(before);
        // Idempotent: the same events again leave the same rows.
        store.apply(change("UPDATE", { id: 1, name: "a2" }, null, 2));
        store.apply(change("DELETE", null, { id: 3 }, 4));
        expect(store.size).toBe(2);
    });

    it("keys rows of a table without primary key by all their values", () => {
        const store = new RowStore([]);
        store.reset([{ a: 1, b: "x" }, { a: 1, b: "y" }]);
        store.apply(change("DELETE", null, { b: "x", a: 1 }, 1));
        expect(store.data).toEqual([{ a: 1, b: "y" }]);
    });
});

describe("addresses and names", () => {
    it("derives the realtime URL and the REST base from a server address", () => {
        expect(realtimeUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/api/v2/realtime");
        expect(realtimeUrl("wss://api.example.com/")).toBe("wss://api.example.com/api/v2/realtime");
        expect(realtimeUrl("ws://h:1/api/v2/realtime")).toBe("ws://h:1/api/v2/realtime");
        expect(() => realtimeUrl("ftp://h")).toThrow(/scheme/);
        expect(restBase("wss://api.example.com/api/v2/realtime")).toBe("https://api.example.com/api/v2");
        expect(restBase("ws://h:1/api/v2/realtime")).toBe("http://h:1/api/v2");
    });

    it("reads service.table as SPEC §2 and LISTEN spell it", () => {
        expect(resolveTable("shop.orders")).toEqual({ service: "shop", table: "orders" });
        expect(resolveTable("shop.sales.orders")).toEqual({ service: "shop", table: "sales.orders" });
        expect(resolveTable("orders", "shop")).toEqual({ service: "shop", table: "orders" });
        expect(resolveTable({ service: "a", table: "b" })).toEqual({ service: "a", table: "b" });
        expect(() => resolveTable("orders")).toThrow(/service/);
        expect(() => resolveTable(".orders", "shop")).toThrow(/service/);
    });
});
