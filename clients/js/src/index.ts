export { NectarRealtimeClient } from "./client.js";
export type { ClientOptions, ClientStatus, CloseInfo } from "./client.js";
export { Subscription, NectarRealtimeError } from "./subscription.js";
export type {
    SubscribeOptions,
    SubscribedInfo,
    SubscriptionHandlers,
    SubscriptionStatus,
} from "./subscription.js";
export { LiveTable, initialLiveTableState } from "./live_table.js";
export type { LiveTableOptions, LiveTableState, LiveTableStatus } from "./live_table.js";
export { RowStore } from "./row_store.js";
export { RestClient, NectarRestError } from "./rest.js";
export type { TableSchema, ListOptions } from "./rest.js";
export { Backoff } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export { realtimeUrl, restBase, resolveTable } from "./endpoint.js";
export type { Credentials, TableRef, TableTarget } from "./endpoint.js";
export { CloseCode, parseServerFrame } from "./frames.js";
export type * from "./frames.js";
export type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
