#pragma once
// The keys Nectar hands clients in BackendKeyData, and where a CancelRequest with such a key
// must go: the server connection running that session's query right now.

#include "federation/connectors/postgres/pg_target.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace nectar::proxy {

/// What a session is running on, updated when it attaches or detaches a server connection.
struct CancelTarget {
    int32_t secret_key = 0;
    std::mutex mutex;
    const federation::PgTarget* server = nullptr; ///< null when no query is running
    int32_t server_process_id = 0;
    int32_t server_secret_key = 0;

    void set(const federation::PgTarget* target, int32_t pid, int32_t key) {
        std::lock_guard lock(mutex);
        server = target;
        server_process_id = pid;
        server_secret_key = key;
    }
};

struct ServerCancelKey {
    federation::PgTarget server;
    int32_t process_id = 0;
    int32_t secret_key = 0;
};

class CancelRegistry {
  public:
    /// A new (process id, secret key) pair for a session.
    std::shared_ptr<CancelTarget> add(int32_t& process_id);
    void remove(int32_t process_id);
    /// The server connection to cancel, when `secret_key` matches (compared in constant time).
    std::optional<ServerCancelKey> find(int32_t process_id, int32_t secret_key);

  private:
    std::mutex mutex_;
    std::unordered_map<int32_t, std::shared_ptr<CancelTarget>> sessions_;
    int32_t next_id_ = 1;
};

} // namespace nectar::proxy
