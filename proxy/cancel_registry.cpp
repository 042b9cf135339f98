#include "proxy/cancel_registry.hpp"

#include <openssl/rand.h>

namespace nectar::proxy {

std::shared_ptr<CancelTarget> CancelRegistry::add(int32_t& process_id) {
    auto target = std::make_shared<CancelTarget>();
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&target->secret_key), sizeof(target->secret_key)) != 1) {
        target->secret_key = static_cast<int32_t>(reinterpret_cast<uintptr_t>(target.get()) >> 4);
    }
    std::lock_guard lock(mutex_);
    do {
        process_id = next_id_;
        next_id_ = next_id_ == INT32_MAX ? 1 : next_id_ + 1;
    } while (sessions_.count(process_id));
    sessions_.emplace(process_id, target);
    return target;
}

void CancelRegistry::remove(int32_t process_id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(process_id);
}

std::optional<ServerCancelKey> CancelRegistry::find(int32_t process_id, int32_t secret_key) {
    std::shared_ptr<CancelTarget> target;
    {
        std::lock_guard lock(mutex_);
        auto found = sessions_.find(process_id);
        if (found == sessions_.end()) {
            return std::nullopt;
        }
        target = found->second;
    }
    // Constant time: no early exit on the first differing bit.
    if ((target->secret_key ^ secret_key) != 0) {
        return std::nullopt;
    }
    std::lock_guard lock(target->mutex);
    if (target->server == nullptr) {
        return std::nullopt;
    }
    return ServerCancelKey{*target->server, target->server_process_id, target->server_secret_key};
}

} // namespace nectar::proxy
