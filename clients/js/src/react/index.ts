export { useRealtimeData } from "./use_realtime_data.js";
export type { RealtimeData, UseRealtimeDataOptions } from "./use_realtime_data.js";
export { NectarRealtimeProvider, useNectarRealtimeClient } from "./context.js";
