#pragma once
// Who hears that a table's rows changed: the REST write path, the pg-wire write path (through
// the federation engine's write listener) and, later, the change feed call notify_written; the
// response cache listens and drops what it holds of that table.

#include <cstdint>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string_view>

namespace nectar::rest {

/// The process-wide list of listeners; notify_written may be called from any worker thread.
class ChangeListeners {
  public:
    using Listener = std::function<void(std::string_view service, std::string_view table)>;

    static ChangeListeners& instance();

    /// Adds a listener; keep the id to remove it. A listener must not add or remove listeners.
    uint64_t add(Listener listener);
    void remove(uint64_t id);
    /// Tells every listener that rows of `service`.`table` were written (committed).
    void notify_written(std::string_view service, std::string_view table) const;

  private:
    // Listeners run under the shared lock, so once remove() returns its listener never runs again.
    mutable std::shared_mutex mutex_;
    std::map<uint64_t, Listener> listeners_;
    uint64_t next_id_ = 1;
};

/// Removes its listener when destroyed.
class ChangeSubscription {
  public:
    explicit ChangeSubscription(ChangeListeners::Listener listener,
                                ChangeListeners& listeners = ChangeListeners::instance())
        : listeners_(listeners)
        , id_(listeners.add(std::move(listener))) {}
    ~ChangeSubscription() { listeners_.remove(id_); }
    ChangeSubscription(const ChangeSubscription&) = delete;
    ChangeSubscription& operator=(const ChangeSubscription&) = delete;

  private:
    ChangeListeners& listeners_;
    uint64_t id_;
};

/// ChangeListeners::instance().notify_written(service, table).
void notify_written(std::string_view service, std::string_view table);

} // namespace nectar::rest
