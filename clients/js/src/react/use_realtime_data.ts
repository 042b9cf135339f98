import { useCallback, useEffect, useRef, useState } from "react";

import type { NectarRealtimeClient } from "../client.js";
import type { TableRef } from "../endpoint.js";
import type { Row } from "../frames.js";
import { initialLiveTableState, LiveTable, type LiveTableOptions, type LiveTableState } from "../live_table.js";
import { useNectarRealtimeClient } from "./context.js";

export interface UseRealtimeDataOptions extends LiveTableOptions {
    /** The client to use; the NectarRealtimeProvider's otherwise. */
    client?: NectarRealtimeClient;
}

export interface RealtimeData<R extends Row = Row> extends LiveTableState<R> {
    /** Reads the table again over REST. */
    refetch: () => void;
}

/** A table's rows, kept current by Nectar's change feed:
 *  `const { data, loading, error, status } = useRealtimeData("shop.inventory", { filter, pollInterval })`.
 *  With `pollInterval` the rows are the polling feed's snapshots; without, a REST read after the
 *  subscription starts, then its change events. Unsubscribes on unmount. */
export function useRealtimeData<R extends Row = Row>(
    table: TableRef,
    options: UseRealtimeDataOptions = {},
): RealtimeData<R> {
    const provided = useNectarRealtimeClient();
    const client = options.client ?? provided;
    if (!client) {
        throw new Error("useRealtimeData needs a client: wrap it in <NectarRealtimeProvider client={...}> or pass options.client");
    }
    // A new subscription only when what it asks for changes, not for a new options object.
    const key = JSON.stringify([
        typeof table === "string" ? table : [table.service, table.table],
        options.filter ?? null,
        options.events ?? null,
        options.mode ?? null,
        options.pollInterval ?? null,
        options.primaryKey ?? null,
        options.pageSize ?? null,
        options.maxRows ?? null,
    ]);
    const [state, setState] = useState<LiveTableState<R>>(initialLiveTableState);
    const view = useRef<LiveTable<R> | null>(null);
    useEffect(() => {
        const { client: _client, ...liveOptions } = options;
        const live = new LiveTable<R>(client, table, liveOptions, setState);
        view.current = live;
        live.start();
        return () => {
            live.stop();
            view.current = null;
        };
        // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [client, key]);
    const refetch = useCallback(() => void view.current?.refetch(), []);
    return { ...state, refetch };
}
