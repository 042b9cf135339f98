#include "federation/router.hpp"

namespace nectar::federation {

void Router::add_service(std::unique_ptr<PgPool> pool) {
    if (default_service_.empty()) {
        default_service_ = pool->service();
    }
    std::string name = pool->service();
    pools_[name] = std::move(pool);
}

PgPool* Router::find(std::string_view service) const {
    auto found = pools_.find(service);
    return found == pools_.end() ? nullptr : found->second.get();
}

PgPool* Router::session_service(std::string_view database) const {
    if (PgPool* named = find(database)) {
        return named;
    }
    return find(default_service_);
}

void Router::start() {
    for (auto& [name, pool] : pools_) {
        pool->start();
    }
}

void Router::stop() {
    for (auto& [name, pool] : pools_) {
        pool->stop();
    }
}

} // namespace nectar::federation
