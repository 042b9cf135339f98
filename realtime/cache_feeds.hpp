#pragma once
// "smart" response-cache entries (SPEC §5) are dropped when their table changes, whoever changed
// it: a table read with the smart strategy gets a change feed (native capture where the service
// has it, polling each second otherwise), and each change reaches the cache through
// rest::notify_written. The cache keeps smart answers of a table only while its feed is live.

#include "realtime/hub.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nectar::realtime {

struct CaptureWorker;

class CacheFeeds {
  public:
    CacheFeeds(Hub& hub, std::vector<CaptureWorker> workers, std::function<bool(std::string_view)> native_capture);
    ~CacheFeeds();
    CacheFeeds(const CacheFeeds&) = delete;
    CacheFeeds& operator=(const CacheFeeds&) = delete;

    /// Whether `service`.`table`'s changes are followed now (its feed is live); if not yet, starts
    /// following it. Returns at once, from any thread.
    bool watch(const std::string& service, const std::string& table);
    /// Ends every feed (before the hub stops).
    void stop();
    /// Tables followed (or being set up).
    size_t watched() const;

  private:
    struct State;
    std::shared_ptr<State> state_;
};

} // namespace nectar::realtime
