import { createContext, createElement, type ReactNode, useContext } from "react";

import type { NectarRealtimeClient } from "../client.js";

const NectarRealtimeContext = createContext<NectarRealtimeClient | null>(null);

/** Makes `client` the one `useRealtimeData` uses below it. */
export function NectarRealtimeProvider(props: { client: NectarRealtimeClient; children?: ReactNode }) {
    return createElement(NectarRealtimeContext.Provider, { value: props.client }, props.children);
}

/** The client of the nearest NectarRealtimeProvider, or null. */
export function useNectarRealtimeClient(): NectarRealtimeClient | null {
    return useContext(NectarRealtimeContext);
}
