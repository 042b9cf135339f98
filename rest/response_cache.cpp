#include "rest/response_cache.hpp"

#include <vector>

namespace nectar::rest {

ResponseCache::ResponseCache(ResponseCacheLimits limits, Clock clock)
    : limits_(limits)
    , clock_(std::move(clock)) {}

std::string ResponseCache::table_key(std::string_view service, std::string_view table) {
    std::string key(service);
    key += '\0'; // names may hold dots, never a NUL (decode_target refuses it)
    key += table;
    return key;
}

size_t ResponseCache::size_of(const std::string& key, const HttpResponse& response) {
    // The fixed part stands for the list node, the index slots and the strings' own headers.
    size_t bytes = 256 + 2 * key.size() + response.body.size() + response.content_type.size();
    for (const auto& [name, value] : response.headers) {
        bytes += name.size() + value.size() + 64;
    }
    return bytes;
}

void ResponseCache::erase(Lru::iterator it) {
    if (!it->table_key.empty()) {
        auto readers = by_table_.find(it->table_key);
        if (readers != by_table_.end()) {
            readers->second.erase(&*it);
            if (readers->second.empty()) {
                by_table_.erase(readers);
            }
        }
    }
    stats_.bytes -= it->bytes;
    by_key_.erase(it->key);
    lru_.erase(it);
}

std::optional<ResponseCache::Hit> ResponseCache::find(const std::string& key, std::chrono::seconds max_age) {
    std::lock_guard lock(mutex_);
    auto found = by_key_.find(key);
    if (found == by_key_.end()) {
        stats_.misses++;
        return std::nullopt;
    }
    Lru::iterator it = found->second;
    TimePoint now = clock_();
    if (now >= it->expires) {
        erase(it);
        stats_.misses++;
        return std::nullopt;
    }
    auto age = now - it->stored;
    if (age >= max_age) {
        stats_.misses++; // older than this caller accepts; its fresh answer will replace it
        return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it);
    stats_.hits++;
    return Hit{it->response, std::chrono::duration_cast<std::chrono::seconds>(age)};
}

uint64_t ResponseCache::version(std::string_view service, std::string_view table) const {
    std::lock_guard lock(mutex_);
    auto found = versions_.find(table_key(service, table));
    return found == versions_.end() ? 0 : found->second;
}

bool ResponseCache::store(const std::string& key, const HttpResponse& response, std::string_view service,
                          std::string_view table, std::chrono::seconds ttl, uint64_t read_version) {
    size_t bytes = size_of(key, response);
    std::string readers = table.empty() ? std::string() : table_key(service, table);
    std::lock_guard lock(mutex_);
    if (auto old = by_key_.find(key); old != by_key_.end()) {
        erase(old->second);
    }
    if (bytes > limits_.max_entry_bytes || bytes > limits_.max_bytes || limits_.max_entries == 0) {
        return false;
    }
    if (!readers.empty()) {
        auto written = versions_.find(readers);
        if (written != versions_.end() && written->second != read_version) {
            return false; // written while the handler ran: the answer may predate the write
        }
    }
    while (!lru_.empty() &&
           (lru_.size() >= limits_.max_entries || stats_.bytes + bytes > limits_.max_bytes)) {
        erase(std::prev(lru_.end()));
        stats_.evictions++;
    }
    TimePoint now = clock_();
    lru_.push_front(Entry{key, response, std::move(readers), now, now + ttl, bytes});
    by_key_.emplace(key, lru_.begin());
    if (!lru_.front().table_key.empty()) {
        by_table_[lru_.front().table_key].insert(&lru_.front());
    }
    stats_.bytes += bytes;
    return true;
}

size_t ResponseCache::invalidate(std::string_view service, std::string_view table) {
    std::string written = table_key(service, table);
    std::lock_guard lock(mutex_);
    versions_[written]++;
    auto readers = by_table_.find(written);
    if (readers == by_table_.end()) {
        return 0;
    }
    std::vector<std::string> keys;
    for (const Entry* entry : readers->second) {
        keys.push_back(entry->key);
    }
    for (const std::string& key : keys) {
        erase(by_key_.at(key));
    }
    stats_.invalidations += keys.size();
    return keys.size();
}

ResponseCacheStats ResponseCache::stats() const {
    std::lock_guard lock(mutex_);
    ResponseCacheStats out = stats_;
    out.entries = lru_.size();
    return out;
}

} // namespace nectar::rest
