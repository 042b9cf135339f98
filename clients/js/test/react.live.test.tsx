// @vitest-environment jsdom
/** useRealtimeData against a live Nectar, rendered with React in jsdom: the rows shown follow
 * inserts, updates and deletes made straight in PostgreSQL (native capture; REST read first) and
 * in SQLite (polling snapshots, the product brief's `{filter, pollInterval}`); across a 4008
 * close the resume brings every change; after a resync the hook reads the table again;
 * unmounting unsubscribes. */

import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterAll, afterEach, describe, expect, it } from "vitest";

import type { NectarRealtimeClient } from "../src/index.js";
import { NectarRealtimeProvider, useRealtimeData, type UseRealtimeDataOptions } from "../src/react/index.js";
import { closeClients, closePg, gatedWebSocket, liteExec, makeClient, pgExec, sleep } from "./live.js";

afterEach(() => {
    cleanup();
    closeClients();
});
afterAll(closePg);

type Item = { id: number; name: string | null; status: string | null } & Record<string, unknown>;

function Inventory({ table, options }: { table: string; options?: UseRealtimeDataOptions }) {
    const { data, loading, error, status } = useRealtimeData<Item>(table, options);
    if (error) return <p role="alert">{error.message}</p>;
    if (loading) return <p>loading</p>;
    return (
        <ul data-testid="rows" data-status={status}>
            {data.map((item) => (
                <li key={item.id}>{`${item.id}:${item.name}`}</li>
            ))}
        </ul>
    );
}

function renderInventory(client: NectarRealtimeClient, table: string, options?: UseRealtimeDataOptions) {
    return render(
        <NectarRealtimeProvider client={client}>
            <Inventory table={table} options={options} />
        </NectarRealtimeProvider>,
    );
}

/** A fetch that counts the REST list reads of `table` (the hook's initial read and re-reads). */
function countingFetch(table: string) {
    const urls: string[] = [];
    const counting: typeof fetch = (input, init) => {
        urls.push(String(input));
        return globalThis.fetch(input, init);
    };
    return { fetch: counting, listReads: () => urls.filter((url) => url.includes(`/_table/${table}?`)) };
}

/** What the table holds, as the list shows it. */
async function held(table: string): Promise<string[]> {
    const rows = await pgExec<{ id: number; name: string }>(`SELECT id, name FROM ${table} ORDER BY id`);
    return rows.map((r) => `${r.id}:${r.name}`);
}

/** The rows on screen, in order. */
function shown(): string[] {
    return screen.queryAllByRole("listitem").map((li) => li.textContent ?? "");
}

async function expectShown(rows: string[], timeout = 10_000): Promise<void> {
    await waitFor(() => expect(shown()).toEqual(rows), { timeout });
}

describe("useRealtimeData", () => {
    it("shows a PostgreSQL table read over REST, then follows its changes live", async () => {
        await pgExec("INSERT INTO hooked (id, name) VALUES (1, 'lamp'), (2, 'desk')");
        const client = makeClient();
        renderInventory(client, "pg.hooked");
        expect(screen.getByText("loading")).toBeTruthy();
        await expectShown(["1:lamp", "2:desk"]);
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("live"));

        await pgExec("INSERT INTO hooked (id, name) VALUES (3, 'chair')");
        await expectShown(["1:lamp", "2:desk", "3:chair"]);
        await pgExec("UPDATE hooked SET name = 'floor lamp' WHERE id = 1");
        await expectShown(["1:floor lamp", "2:desk", "3:chair"]);
        await pgExec("DELETE FROM hooked WHERE id = 2"); // the old row carries only the key here
        await expectShown(["1:floor lamp", "3:chair"]);
    });

    it("honours a filter in the REST read and in the changes", async () => {
        await pgExec("INSERT INTO hook_filtered (id, name, status) VALUES (1, 'a', 'in_stock'), (2, 'b', 'sold')");
        const client = makeClient();
        renderInventory(client, "pg.hook_filtered", { filter: { status: "in_stock" } });
        await expectShown(["1:a"]);
        await pgExec("INSERT INTO hook_filtered (id, name, status) VALUES (3, 'c', 'sold'), (4, 'd', 'in_stock')");
        await expectShown(["1:a", "4:d"]);
        await pgExec("DELETE FROM hook_filtered WHERE id = 1");
        await expectShown(["4:d"]);
    });

    it("takes the brief's {filter, pollInterval}: polling snapshots of a SQLite table", async () => {
        liteExec("INSERT INTO hook_polled (id, name, status) VALUES (1, 'lamp', 'in_stock'), (2, 'desk', 'sold')");
        const client = makeClient();
        renderInventory(client, "lite.hook_polled", { filter: { status: "in_stock" }, pollInterval: 200 });
        await expectShown(["1:lamp"]);
        expect(client.activeSubscriptions[0]!.mode).toBe("poll");
        liteExec("INSERT INTO hook_polled (id, name, status) VALUES (3, 'chair', 'in_stock')");
        await expectShown(["1:lamp", "3:chair"]);
        liteExec("UPDATE hook_polled SET status = 'in_stock' WHERE id = 2");
        await waitFor(() => expect([...shown()].sort()).toEqual(["1:lamp", "2:desk", "3:chair"]));
        liteExec("DELETE FROM hook_polled WHERE id = 1");
        await waitFor(() => expect([...shown()].sort()).toEqual(["2:desk", "3:chair"]));
    });

    it("keeps showing the rows while reconnecting, then catches up with what changed meanwhile", async () => {
        const { gate, WebSocket, current } = gatedWebSocket();
        const { fetch, listReads } = countingFetch("hooked");
        const client = makeClient({ WebSocket, fetch });
        await pgExec("INSERT INTO hooked (id, name) VALUES (50, 'rug') ON CONFLICT (id) DO NOTHING");
        renderInventory(client, "pg.hooked");
        const before = await held("hooked");
        await expectShown(before);
        gate.blocked = true;
        current().terminate();
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("reconnecting"));
        await pgExec("INSERT INTO hooked (id, name) VALUES (51, 'shelf')");
        await pgExec("DELETE FROM hooked WHERE id = 50");
        await sleep(300);
        expect(shown()).toEqual(before);
        gate.blocked = false;
        const after = await held("hooked");
        expect(after).toContain("51:shelf");
        expect(after).not.toContain("50:rug");
        await expectShown(after);
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("live"));
        expect(listReads()).toHaveLength(1); // resumed: the missed changes came as events
    });

    it("keeps the rows right across a 4008 close: the resume brings every change, no second read", async () => {
        const { WebSocket, current } = gatedWebSocket();
        const { fetch, listReads } = countingFetch("hook_slow");
        const client = makeClient({ WebSocket, fetch });
        const closes: number[] = [];
        client.on("close", (info) => closes.push(info.code));
        await pgExec("INSERT INTO hook_slow (id, name) VALUES (1, 'before')");
        renderInventory(client, "pg.hook_slow");
        await expectShown(["1:before"]);
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("live"));
        // Another client that only wants the last row tells when Nectar has captured them all.
        const last: unknown[] = [];
        const watcher = makeClient().subscribe("pg.hook_slow", { filter: { id: 100 }, onInsert: (r) => last.push(r) });
        await watcher.whenSubscribed();
        // Stall the socket past Nectar's queue bound (18 MB of changes, 8 MiB queue): 4008.
        current().pause();
        await pgExec(
            "INSERT INTO hook_slow (id, name, status) SELECT g, 'row ' || g, repeat('x', 600000) FROM generate_series(2, 31) g",
        );
        await pgExec("UPDATE hook_slow SET name = 'updated' WHERE id = 1");
        await pgExec("INSERT INTO hook_slow (id, name) VALUES (100, 'last')");
        await waitFor(() => expect(last).toHaveLength(1), { timeout: 20_000 });
        current().resume();
        const expected = ["1:updated", ...Array.from({ length: 30 }, (_, i) => `${i + 2}:row ${i + 2}`), "100:last"];
        await expectShown(expected, 40_000);
        expect(expected).toEqual(await held("hook_slow"));
        expect(closes).toEqual([4008]);
        expect(listReads()).toHaveLength(1); // the resume brought the changes: no second REST read
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("live"));
        // Live again (a few rows: one transaction's frames over 8 MiB would be a 4008 of its own).
        await pgExec("DELETE FROM hook_slow WHERE id BETWEEN 2 AND 5");
        await pgExec("INSERT INTO hook_slow (id, name) VALUES (101, 'live')");
        await expectShown(["1:updated", ...expected.slice(5), "101:live"]);
        expect(closes).toEqual([4008]);
        expect(listReads()).toHaveLength(1);
    }, 90_000);

    it("reads the table again when Nectar answers a resume with resync (its replay buffer overflowed)", async () => {
        const { gate, WebSocket, current } = gatedWebSocket();
        const { fetch, listReads } = countingFetch("hook_overflow");
        const client = makeClient({ WebSocket, fetch });
        await pgExec("INSERT INTO hook_overflow (id, name) VALUES (1, 'first')");
        renderInventory(client, "pg.hook_overflow", { filter: { id: { $gt: 10_090 } } });
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("live"));
        expect(shown()).toEqual([]);
        gate.blocked = true;
        current().terminate();
        await waitFor(() => expect(screen.getByTestId("rows").dataset.status).toBe("reconnecting"));
        // More changes than the feed holds (10,000): the resume point is gone. Another client
        // that only wants the last row tells when Nectar has captured them all.
        const last: unknown[] = [];
        const watcher = makeClient().subscribe("pg.hook_overflow", { filter: { id: 10_100 }, onInsert: (r) => last.push(r) });
        await watcher.whenSubscribed();
        await pgExec("INSERT INTO hook_overflow (id, name) SELECT g, 'row ' || g FROM generate_series(2, 10100) g");
        await waitFor(() => expect(last).toHaveLength(1), { timeout: 30_000 });
        gate.blocked = false;
        await expectShown(Array.from({ length: 10 }, (_, i) => `${10_091 + i}:row ${10_091 + i}`), 20_000);
        expect(listReads()).toHaveLength(2);
    });

    it("unsubscribes on unmount", async () => {
        const { WebSocket, current } = gatedWebSocket();
        const client = makeClient({ WebSocket });
        const view = renderInventory(client, "pg.hooked");
        await expectShown(await held("hooked"));
        expect(client.activeSubscriptions).toHaveLength(1);
        const after: unknown[] = [];
        current().on("message", (data) => after.push(JSON.parse(String(data))));
        view.unmount();
        expect(client.activeSubscriptions).toHaveLength(0);
        await pgExec("INSERT INTO hooked (id, name) VALUES (6, 'stool') ON CONFLICT (id) DO UPDATE SET name = 'stool'");
        await sleep(500);
        // Nectar took the unsubscribe: the insert sent nothing more.
        expect(after).toEqual([{ type: "unsubscribed", id: "s1" }]);
        expect(client.status).toBe("open");
    });
});
