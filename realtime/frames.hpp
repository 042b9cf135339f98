#pragma once
// SPEC §6's WebSocket frames: client frames read with simdjson, server frames written with the
// REST face's JsonWriter (values printed as REST prints them).

#include "realtime/change_event.hpp"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nectar::realtime {

struct SubscribeFrame {
    std::string id;
    std::string service;
    std::string table;
    std::vector<ChangeKind> events;  ///< every kind when the frame names none
    std::string filter;              ///< the filter's JSON text; empty when absent
    std::optional<std::string> mode; ///< "trigger" or "poll" as given
    std::optional<int64_t> poll_interval_ms;
    std::optional<int64_t> resume_from;
};

struct ClientFrame {
    enum class Type : uint8_t { Subscribe, Unsubscribe, Ping } type = Type::Ping;
    SubscribeFrame subscribe; ///< Subscribe
    std::string id;           ///< Subscribe, Unsubscribe
};

/// Reads one client frame. On error, `id` holds the frame's "id" when it had a readable one
/// (the error frame names it). Errors: 22P02 not JSON, 42601 a missing or mistyped member or an
/// unknown type, 22023 a bad value (event name, interval).
Result<ClientFrame> parse_client_frame(simdjson::dom::parser& parser, std::string_view text, std::string& id);

/// Limits on a subscription's polling interval, in ms.
inline constexpr int64_t kMinPollIntervalMs = 100;
inline constexpr int64_t kMaxPollIntervalMs = 3'600'000;

// --- Server frames ---

std::string subscribed_frame(const std::string& id, const std::string& service, const std::string& table,
                             bool poll, int poll_interval_ms, int64_t seq);
std::string change_frame(const std::string& id, const federation::TableInfo& table, const ChangeEvent& event);
std::string snapshot_frame(const std::string& id, const federation::TableInfo& table,
                           const std::vector<const federation::Row*>& rows);
/// `id` may be empty (a frame that could not be read, a connection-wide problem).
std::string error_frame(const std::string& id, int code, const Error& error);
std::string resync_frame(const std::string& id, int64_t resume_from, int64_t seq);
std::string unsubscribed_frame(const std::string& id);
std::string pong_frame();

// --- pg-wire LISTEN "service.table" ---

/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; ours stay under it too.
inline constexpr size_t kMaxNotificationPayload = 7999;

/// A change as a NotificationResponse payload: `{"event","new","old"}`, or when that is over
/// kMaxNotificationPayload, `{"event","key":{primary key columns},"truncated":true}` (the key of
/// the new row, the old row's for DELETE; every column when the table has no primary key).
std::string notification_payload(const federation::TableInfo& table, const ChangeEvent& event);

} // namespace nectar::realtime
