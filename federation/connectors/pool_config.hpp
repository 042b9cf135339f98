#pragma once
// Connection pool settings of SPEC §4, per service.

namespace nectar::federation {

/// Field names follow SPEC §4's camelCase keys (shown on each line) used in TOML and URLs.
struct PoolConfig {
    int min_connections = 0;            ///< minConnections
    int max_connections = 20;           ///< maxConnections
    int acquire_timeout_ms = 30000;     ///< acquireTimeoutMillis
    int create_timeout_ms = 10000;      ///< createTimeoutMillis
    int idle_timeout_ms = 600000;       ///< idleTimeoutMillis
    int reap_interval_ms = 1000;        ///< reapIntervalMillis
    int create_retry_interval_ms = 200; ///< createRetryIntervalMillis
    bool transaction_pooling = true;    ///< poolMode = "transaction" | "session"
    bool auto_prepare = true;           ///< autoPrepare: simple-protocol lookups as prepared statements
};

} // namespace nectar::federation
