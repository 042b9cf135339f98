#include "realtime/poll_diff.hpp"

#include <algorithm>
#include <functional>

namespace nectar::realtime {

using federation::Row;

namespace {

/// Appends a value unambiguously: a NULL marker, or the length and the text form.
void append_value(std::string& out, const federation::Value& value) {
    if (value.is_null()) {
        out += '\x01';
        return;
    }
    std::string text = federation::to_pg_text(value);
    out += '\x02';
    out += std::to_string(text.size());
    out += ':';
    out += text;
}

} // namespace

size_t row_content_hash(const Row& row) {
    std::string text;
    for (const auto& value : row) {
        append_value(text, value);
    }
    return std::hash<std::string>{}(text);
}

std::string PollDiff::key_of(const Row& row) const {
    std::string key;
    if (key_columns_.empty()) {
        for (const auto& value : row) {
            append_value(key, value);
        }
        return key;
    }
    for (int column : key_columns_) {
        append_value(key, row[static_cast<size_t>(column)]);
    }
    return key;
}

PollDiff::Round PollDiff::apply(std::vector<Row> rows, int64_t commit_time_us, const std::string& position) {
    Round round;
    std::unordered_map<std::string, Seen> seen;
    seen.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); i++) {
        seen.emplace(key_of(rows[i]), Seen{row_content_hash(rows[i]), i});
    }
    if (!primed_) {
        primed_ = true;
        round.first = true;
    } else {
        auto event = [&](ChangeKind kind) {
            ChangeEvent e;
            e.kind = kind;
            e.commit_time_us = commit_time_us;
            e.position = position;
            return e;
        };
        std::vector<size_t> deleted; // in the previous result's order, not the map's
        for (const auto& [key, before] : seen_) {
            if (!seen.count(key)) {
                deleted.push_back(before.index);
            }
        }
        std::sort(deleted.begin(), deleted.end());
        for (size_t index : deleted) {
            ChangeEvent e = event(ChangeKind::Delete);
            e.old_row = rows_[index];
            round.changes.push_back(std::move(e));
        }
        for (size_t i = 0; i < rows.size(); i++) {
            std::string key = key_of(rows[i]);
            const Seen& now = seen.at(key);
            if (now.index != i) {
                continue; // a duplicate of a key-less row: counted once
            }
            auto before = seen_.find(key);
            if (before == seen_.end()) {
                ChangeEvent e = event(ChangeKind::Insert);
                e.new_row = rows[i];
                round.changes.push_back(std::move(e));
            } else if (before->second.hash != now.hash) {
                ChangeEvent e = event(ChangeKind::Update);
                e.old_row = rows_[before->second.index];
                e.new_row = rows[i];
                round.changes.push_back(std::move(e));
            }
        }
    }
    rows_ = std::move(rows);
    seen_ = std::move(seen);
    return round;
}

} // namespace nectar::realtime
