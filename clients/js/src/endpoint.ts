/** Where the client connects and as whom: the realtime URL, the REST base, credentials, and
 * table names (`"service.table"` as SPEC §2 and `LISTEN "service.table"` spell them). */

export interface Credentials {
    /** Sent as `X-API-Key`. */
    apiKey?: string;
    /** A JWT, sent as `Authorization: Bearer <token>`. */
    token?: string;
    /** Sent as `X-Role`: one of the caller's roles. */
    role?: string;
}

export interface TableTarget {
    service: string;
    table: string;
}

/** `"shop.orders"`, `{service:"shop", table:"orders"}`, or `"orders"` with a default service. */
export type TableRef = string | TableTarget;

const REALTIME_PATH = "/api/v2/realtime";

/** The WebSocket URL from a server address: `ws(s)://` or `http(s)://`, with or without the
 * realtime path (an empty path means the server's root). */
export function realtimeUrl(address: string): string {
    const url = new URL(address);
    if (url.protocol === "http:") {
        url.protocol = "ws:";
    } else if (url.protocol === "https:") {
        url.protocol = "wss:";
    } else if (url.protocol !== "ws:" && url.protocol !== "wss:") {
        throw new Error(`unsupported URL scheme "${url.protocol}" (expected ws:, wss:, http: or https:)`);
    }
    if (url.pathname === "" || url.pathname === "/") {
        url.pathname = REALTIME_PATH;
    }
    return url.toString();
}

/** The REST base (`.../api/v2`) on the same server as a realtime URL. */
export function restBase(realtime: string): string {
    const url = new URL(realtime);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    url.pathname = url.pathname.endsWith("/realtime") ? url.pathname.slice(0, -"/realtime".length) : "/api/v2";
    url.search = "";
    url.hash = "";
    return url.toString().replace(/\/$/, "");
}

/** The headers Nectar's REST face authenticates (SPEC §5: a key or a bearer token, not both). */
export function authHeaders(credentials: Credentials): Record<string, string> {
    if (credentials.apiKey && credentials.token) {
        throw new Error("give an apiKey or a token, not both (Nectar refuses a request with both)");
    }
    const headers: Record<string, string> = {};
    if (credentials.apiKey) {
        headers["X-API-Key"] = credentials.apiKey;
    }
    if (credentials.token) {
        headers["Authorization"] = `Bearer ${credentials.token}`;
    }
    if (credentials.role) {
        headers["X-Role"] = credentials.role;
    }
    return headers;
}

/** The realtime URL carrying a key or token in its query (`apikey=`, `access_token=`), which
 * Nectar accepts on the realtime upgrade only: a browser's WebSocket cannot send headers. */
export function credentialedUrl(realtime: string, credentials: Credentials): string {
    const url = new URL(realtime);
    if (credentials.apiKey) {
        url.searchParams.set("apikey", credentials.apiKey);
    }
    if (credentials.token) {
        url.searchParams.set("access_token", credentials.token);
    }
    return url.toString();
}

/** A table reference resolved to service and table; the table is what follows the first dot. */
export function resolveTable(ref: TableRef, defaultService?: string): TableTarget {
    if (typeof ref !== "string") {
        if (!ref.service || !ref.table) {
            throw new Error("a table target needs a non-empty service and table");
        }
        return { service: ref.service, table: ref.table };
    }
    const dot = ref.indexOf(".");
    if (dot > 0 && dot < ref.length - 1) {
        return { service: ref.slice(0, dot), table: ref.slice(dot + 1) };
    }
    if (dot === -1 && ref.length > 0 && defaultService) {
        return { service: defaultService, table: ref };
    }
    throw new Error(
        `cannot tell the service of "${ref}": write "service.table" or give the client a default service`,
    );
}
