/** What the live tests share: the servers' addresses, direct writes to PostgreSQL and SQLite
 * (never through Nectar), a WebSocket class the tests can cut off, and waiting. */

import { execFileSync } from "node:child_process";

import pg from "pg";
import { inject } from "vitest";
import WebSocket from "ws";

import type { ClientOptions, WebSocketConstructor } from "../src/index.js";
import { NectarRealtimeClient } from "../src/index.js";

export interface LiveEnv {
    httpUrl: string;
    wsUrl: string;
    apiKey: string;
    pg: { host: string; port: number; user: string; password: string; database: string };
    litePath: string;
    nectarPid: number;
}

export function live(): LiveEnv {
    return inject("live");
}

let pool: pg.Pool | null = null;

/** Runs SQL straight on the PostgreSQL server (autocommit). */
export async function pgExec<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
): Promise<T[]> {
    pool ??= new pg.Pool({ ...live().pg, max: 2 });
    const result = await pool.query(sql, params);
    return result.rows as T[];
}

export async function closePg(): Promise<void> {
    await pool?.end();
    pool = null;
}

/** Runs one statement straight on the SQLite file (Python's sqlite3: node 18/20 have none). */
export function liteExec(sql: string, params: unknown[] = []): void {
    const script =
        "import json, sqlite3, sys\n" +
        "c = sqlite3.connect(sys.argv[1], timeout=10)\n" +
        "c.execute(sys.argv[2], json.loads(sys.argv[3]))\n" +
        "c.commit()\n";
    execFileSync("/usr/bin/python3", ["-c", script, live().litePath, sql, JSON.stringify(params)]);
}

/** A ws WebSocket class that records its sockets, and while `blocked` connects to a closed
 * port instead of Nectar, so a test can keep a client away while it changes the table. */
export function gatedWebSocket() {
    const gate = { blocked: false, sockets: [] as WebSocket[], attempts: 0 };
    class Gated extends WebSocket {
        constructor(url: string, options?: WebSocket.ClientOptions) {
            super(gate.blocked ? "ws://127.0.0.1:1/api/v2/realtime" : url, options);
            gate.attempts++;
            gate.sockets.push(this);
        }
    }
    return { gate, WebSocket: Gated as unknown as WebSocketConstructor, current: () => gate.sockets.at(-1)! };
}

const clients: NectarRealtimeClient[] = [];

/** A client on the live Nectar with the API key and the ws implementation; closed by closeClients(). */
export function makeClient(options: Partial<ClientOptions> = {}): NectarRealtimeClient {
    const client = new NectarRealtimeClient({
        url: live().wsUrl,
        apiKey: live().apiKey,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
        ...options,
    });
    clients.push(client);
    return client;
}

export function closeClients(): void {
    for (const client of clients.splice(0)) client.close();
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        const value = check();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await sleep(20);
    }
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
