/** The REST reads a live view needs (SPEC §5): a table's primary key (`_schema`) and all its
 * rows that a filter keeps (`_table/{table}`, page by page in key order). */

import type { TableTarget } from "./endpoint.js";
import type { Filter, Row } from "./frames.js";

export interface TableSchema {
    primaryKey: string[];
    columns: { name: string; type: string }[];
}

export class NectarRestError extends Error {
    constructor(
        readonly status: number,
        readonly sqlstate: string | undefined,
        message: string,
    ) {
        super(message);
        this.name = "NectarRestError";
    }
}

export interface ListOptions {
    filter?: Filter;
    /** Rows per request (Nectar's default maximum is 1,000). */
    pageSize?: number;
    /** Stop with an error past this many rows rather than hold an unbounded table. */
    maxRows?: number;
}

export class RestClient {
    private readonly fetchImpl: typeof fetch;

    constructor(
        readonly base: string,
        private readonly headers: Record<string, string>,
        fetchImpl?: typeof fetch,
    ) {
        const found = fetchImpl ?? (globalThis as { fetch?: typeof fetch }).fetch;
        this.fetchImpl = found ? found.bind(globalThis) : missingFetch;
    }

    async schema(target: TableTarget): Promise<TableSchema> {
        const body = await this.get(`${tablePath(target)}/_schema`);
        return body as TableSchema;
    }

    /** Every row the filter keeps, sorted by `orderBy` (the primary key keeps pages stable). */
    async list<R extends Row = Row>(target: TableTarget, orderBy: string[], options: ListOptions = {}): Promise<R[]> {
        const pageSize = options.pageSize ?? 1000;
        const maxRows = options.maxRows ?? 100_000;
        const rows: R[] = [];
        for (let page = 1; ; page++) {
            const query = new URLSearchParams({ limit: String(pageSize), page: String(page) });
            if (options.filter && Object.keys(options.filter).length > 0) {
                query.set("filter", JSON.stringify(options.filter));
            }
            if (orderBy.length > 0) {
                query.set("sort", orderBy.join(","));
            }
            const body = (await this.get(`${tablePath(target)}?${query}`)) as { data: R[] };
            rows.push(...body.data);
            if (body.data.length < pageSize) {
                return rows;
            }
            if (rows.length >= maxRows) {
                throw new Error(`${target.service}.${target.table} holds more than ${maxRows} rows: narrow it with a filter`);
            }
        }
    }

    private async get(path: string): Promise<unknown> {
        const response = await this.fetchImpl(`${this.base}${path}`, {
            headers: { Accept: "application/json", ...this.headers },
        });
        const text = await response.text();
        let body: unknown = null;
        try {
            body = text ? JSON.parse(text) : null;
        } catch {
            // not JSON: reported below with the status
        }
        if (!response.ok) {
            const error = (body as { error?: { sqlstate?: string; message?: string } } | null)?.error;
            throw new NectarRestError(
                response.status,
                error?.sqlstate,
                `GET ${path}: ${response.status} ${error?.message ?? text.slice(0, 200)}`,
            );
        }
        return body;
    }
}

function tablePath(target: TableTarget): string {
    return `/${encodeURIComponent(target.service)}/_table/${encodeURIComponent(target.table)}`;
}

const missingFetch = (() => {
    throw new Error("no fetch implementation: pass one as options.fetch");
}) as unknown as typeof fetch;
