#include "realtime/frames.hpp"

#include "rest/json_writer.hpp"

namespace nectar::realtime {

using rest::JsonWriter;
using simdjson::dom::element;

namespace {

Error bad(std::string sqlstate, std::string message) { return Error::make(std::move(sqlstate), std::move(message)); }

/// An optional string member; an error when present with another type.
Result<std::optional<std::string>> string_member(element frame, const char* name) {
    auto member = frame[name];
    if (member.error() == simdjson::NO_SUCH_FIELD) {
        return std::optional<std::string>();
    }
    std::string_view text;
    if (member.get_string().get(text) != simdjson::SUCCESS) {
        return bad("42601", std::string("\"") + name + "\" must be a string");
    }
    return std::optional<std::string>(std::string(text));
}

Result<std::optional<int64_t>> integer_member(element frame, const char* name) {
    auto member = frame[name];
    if (member.error() == simdjson::NO_SUCH_FIELD) {
        return std::optional<int64_t>();
    }
    int64_t number = 0;
    if (member.get_int64().get(number) != simdjson::SUCCESS) {
        return bad("42601", std::string("\"") + name + "\" must be an integer");
    }
    return std::optional<int64_t>(number);
}

Result<std::string> required_string(element frame, const char* name, const char* type) {
    auto found = string_member(frame, name);
    if (!found) {
        return found.error();
    }
    if (!*found || (*found)->empty()) {
        return bad("42601", std::string("a ") + type + " frame needs a non-empty \"" + name + "\"");
    }
    return std::move(**found);
}

Result<std::vector<ChangeKind>> read_events(element frame) {
    std::vector<ChangeKind> kinds;
    auto member = frame["events"];
    if (member.error() == simdjson::NO_SUCH_FIELD) {
        return std::vector<ChangeKind>{ChangeKind::Insert, ChangeKind::Update, ChangeKind::Delete};
    }
    simdjson::dom::array list;
    if (member.get_array().get(list) != simdjson::SUCCESS || list.size() == 0) {
        return bad("42601", "\"events\" must be a non-empty array of \"INSERT\", \"UPDATE\", \"DELETE\"");
    }
    for (element item : list) {
        std::string_view name;
        if (item.get_string().get(name) != simdjson::SUCCESS) {
            return bad("42601", "\"events\" must hold strings");
        }
        if (name == "INSERT") {
            kinds.push_back(ChangeKind::Insert);
        } else if (name == "UPDATE") {
            kinds.push_back(ChangeKind::Update);
        } else if (name == "DELETE") {
            kinds.push_back(ChangeKind::Delete);
        } else {
            return bad("22023", "unknown event \"" + std::string(name) + "\" (expected INSERT, UPDATE or DELETE)");
        }
    }
    return kinds;
}

Result<SubscribeFrame> read_subscribe(element frame, std::string id) {
    SubscribeFrame s;
    s.id = std::move(id);
    auto service = required_string(frame, "service", "subscribe");
    if (!service) {
        return service.error();
    }
    s.service = std::move(*service);
    auto table = required_string(frame, "table", "subscribe");
    if (!table) {
        return table.error();
    }
    s.table = std::move(*table);
    auto events = read_events(frame);
    if (!events) {
        return events.error();
    }
    s.events = std::move(*events);
    element filter;
    if (frame["filter"].get(filter) == simdjson::SUCCESS && !filter.is_null()) {
        s.filter = simdjson::minify(filter);
    }
    auto mode = string_member(frame, "mode");
    if (!mode) {
        return mode.error();
    }
    if (*mode && **mode != "trigger" && **mode != "poll") {
        return bad("22023", "unknown mode \"" + **mode + "\" (expected \"trigger\" or \"poll\")");
    }
    s.mode = std::move(*mode);
    auto interval = integer_member(frame, "pollInterval");
    if (!interval) {
        return interval.error();
    }
    if (*interval && (**interval < kMinPollIntervalMs || **interval > kMaxPollIntervalMs)) {
        return bad("22023", "\"pollInterval\" must be between " + std::to_string(kMinPollIntervalMs) + " and " +
                                std::to_string(kMaxPollIntervalMs) + " ms");
    }
    s.poll_interval_ms = *interval;
    auto resume = integer_member(frame, "resumeFrom");
    if (!resume) {
        return resume.error();
    }
    s.resume_from = *resume;
    return s;
}

void write_row(JsonWriter& w, const federation::TableInfo& table, const federation::Row& row) {
    w.begin_object();
    for (size_t i = 0; i < row.size() && i < table.columns.size(); i++) {
        w.key(table.columns[i].name);
        w.value(row[i]);
    }
    w.end_object();
}

} // namespace

Result<ClientFrame> parse_client_frame(simdjson::dom::parser& parser, std::string_view text, std::string& id) {
    element frame;
    if (parser.parse(text.data(), text.size()).get(frame) != simdjson::SUCCESS) {
        return bad("22P02", "frame is not valid JSON");
    }
    if (!frame.is_object()) {
        return bad("42601", "frame must be a JSON object");
    }
    auto given_id = string_member(frame, "id");
    if (given_id && *given_id) {
        id = **given_id;
    }
    auto type = string_member(frame, "type");
    if (!type) {
        return type.error();
    }
    if (!*type) {
        return bad("42601", "frame needs a \"type\": subscribe, unsubscribe or ping");
    }
    ClientFrame out;
    if (**type == "ping") {
        out.type = ClientFrame::Type::Ping;
        return out;
    }
    if (**type != "subscribe" && **type != "unsubscribe") {
        return bad("42601", "unknown frame type \"" + **type + "\" (expected subscribe, unsubscribe or ping)");
    }
    auto required_id = required_string(frame, "id", type->value().c_str());
    if (!required_id) {
        return required_id.error();
    }
    out.id = std::move(*required_id);
    if (**type == "unsubscribe") {
        out.type = ClientFrame::Type::Unsubscribe;
        return out;
    }
    out.type = ClientFrame::Type::Subscribe;
    auto subscribe = read_subscribe(frame, out.id);
    if (!subscribe) {
        return subscribe.error();
    }
    out.subscribe = std::move(*subscribe);
    return out;
}

std::string subscribed_frame(const std::string& id, const std::string& service, const std::string& table, bool poll,
                             int poll_interval_ms, int64_t seq) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("subscribed");
    w.key("id");
    w.string(id);
    w.key("service");
    w.string(service);
    w.key("table");
    w.string(table);
    w.key("mode");
    w.string(poll ? "poll" : "trigger");
    if (poll) {
        w.key("pollInterval");
        w.integer(poll_interval_ms);
    }
    w.key("seq");
    w.integer(seq);
    w.end_object();
    return out;
}

std::string change_frame(const std::string& id, const federation::TableInfo& table, const ChangeEvent& event) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("change");
    w.key("id");
    w.string(id);
    w.key("seq");
    w.integer(event.seq);
    w.key("event");
    w.string(kind_name(event.kind));
    w.key("new");
    if (event.new_row.empty()) {
        w.null();
    } else {
        write_row(w, table, event.new_row);
    }
    w.key("old");
    if (event.old_row.empty()) {
        w.null();
    } else {
        write_row(w, table, event.old_row);
    }
    w.key("commitTime");
    w.value(federation::Value::temporal(federation::Type::TimestampTz, event.commit_time_us));
    w.key("position");
    w.string(event.position);
    w.end_object();
    return out;
}

std::string snapshot_frame(const std::string& id, const federation::TableInfo& table,
                           const std::vector<const federation::Row*>& rows) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("snapshot");
    w.key("id");
    w.string(id);
    w.key("data");
    w.begin_array();
    for (const federation::Row* row : rows) {
        write_row(w, table, *row);
    }
    w.end_array();
    w.end_object();
    return out;
}

std::string error_frame(const std::string& id, int code, const Error& error) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("error");
    if (!id.empty()) {
        w.key("id");
        w.string(id);
    }
    w.key("error");
    w.begin_object();
    w.key("code");
    w.integer(code);
    w.key("sqlstate");
    w.string(error.sqlstate);
    w.key("message");
    w.string(error.message);
    w.end_object();
    w.end_object();
    return out;
}

std::string resync_frame(const std::string& id, int64_t resume_from, int64_t seq) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("resync");
    w.key("id");
    w.string(id);
    w.key("resumeFrom");
    w.integer(resume_from);
    w.key("seq");
    w.integer(seq);
    w.key("message");
    w.string("the changes after resumeFrom are no longer held: read the table again, then follow the changes after seq");
    w.end_object();
    return out;
}

std::string unsubscribed_frame(const std::string& id) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("type");
    w.string("unsubscribed");
    w.key("id");
    w.string(id);
    w.end_object();
    return out;
}

std::string pong_frame() { return R"({"type":"pong"})"; }

namespace {

void write_row_or_null(JsonWriter& w, const federation::TableInfo& table, const federation::Row& row) {
    if (row.empty()) {
        w.null();
    } else {
        write_row(w, table, row);
    }
}

/// The primary key columns of `row` (every column when the table has none).
void write_key(JsonWriter& w, const federation::TableInfo& table, const federation::Row& row) {
    bool has_key = false;
    for (const federation::ColumnInfo& c : table.columns) {
        has_key = has_key || c.primary_key;
    }
    w.begin_object();
    for (size_t i = 0; i < row.size() && i < table.columns.size(); i++) {
        if (!has_key || table.columns[i].primary_key) {
            w.key(table.columns[i].name);
            w.value(row[i]);
        }
    }
    w.end_object();
}

} // namespace

std::string notification_payload(const federation::TableInfo& table, const ChangeEvent& event) {
    std::string out;
    {
        JsonWriter w(out);
        w.begin_object();
        w.key("event");
        w.string(kind_name(event.kind));
        w.key("new");
        write_row_or_null(w, table, event.new_row);
        w.key("old");
        write_row_or_null(w, table, event.old_row);
        w.end_object();
    }
    if (out.size() <= kMaxNotificationPayload) {
        return out;
    }
    out.clear();
    JsonWriter w(out);
    w.begin_object();
    w.key("event");
    w.string(kind_name(event.kind));
    w.key("key");
    write_key(w, table, event.kind == ChangeKind::Delete ? event.old_row : event.new_row);
    w.key("truncated");
    w.boolean(true);
    w.end_object();
    return out;
}

} // namespace nectar::realtime
