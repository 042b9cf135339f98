/** A table's rows keyed by primary key, kept current by change events. Applying an event is
 * idempotent (INSERT and UPDATE store the new row, DELETE removes the key), so events that a
 * REST read already reflects can be applied again without harm. */

import type { ChangeFrame, Row } from "./frames.js";

export class RowStore<R extends Row = Row> {
    private readonly rows = new Map<string, R>();
    private cached: R[] | null = [];

    /** `keyColumns` empty: a row is keyed by all its values (a table without primary key). */
    constructor(private readonly keyColumns: string[]) {}

    /** The rows in first-seen order; the same array until something changes. */
    get data(): R[] {
        if (this.cached === null) {
            this.cached = [...this.rows.values()];
        }
        return this.cached;
    }

    get size(): number {
        return this.rows.size;
    }

    reset(rows: R[]): void {
        this.rows.clear();
        for (const row of rows) {
            this.rows.set(this.key(row), row);
        }
        this.cached = null;
    }

    apply(change: ChangeFrame<R>): void {
        if (change.event === "DELETE") {
            if (change.old) this.rows.delete(this.key(change.old));
        } else if (change.new) {
            const key = this.key(change.new);
            if (change.event === "UPDATE" && change.old && this.hasKey(change.old)) {
                const oldKey = this.key(change.old);
                if (oldKey !== key) this.rows.delete(oldKey); // the key itself changed
            }
            this.rows.set(key, change.new);
        }
        this.cached = null;
    }

    private hasKey(row: Partial<R>): boolean {
        return this.keyColumns.length > 0 && this.keyColumns.every((c) => c in row);
    }

    private key(row: Partial<R>): string {
        if (this.keyColumns.length === 0) {
            return JSON.stringify(Object.keys(row).sort().map((c) => [c, row[c]]));
        }
        return JSON.stringify(this.keyColumns.map((c) => row[c] ?? null));
    }
}
