#include "rest/change_notice.hpp"

#include <mutex>

namespace nectar::rest {

ChangeListeners& ChangeListeners::instance() {
    static ChangeListeners listeners;
    return listeners;
}

uint64_t ChangeListeners::add(Listener listener) {
    std::unique_lock lock(mutex_);
    uint64_t id = next_id_++;
    listeners_.emplace(id, std::move(listener));
    return id;
}

void ChangeListeners::remove(uint64_t id) {
    std::unique_lock lock(mutex_);
    listeners_.erase(id);
}

void ChangeListeners::notify_written(std::string_view service, std::string_view table) const {
    std::shared_lock lock(mutex_);
    for (const auto& [id, listener] : listeners_) {
        listener(service, table);
    }
}

void notify_written(std::string_view service, std::string_view table) {
    ChangeListeners::instance().notify_written(service, table);
}

} // namespace nectar::rest
