#include "realtime/change_event.hpp"

namespace nectar::realtime {

std::string_view kind_name(ChangeKind kind) {
    switch (kind) {
    case ChangeKind::Insert:
        return "INSERT";
    case ChangeKind::Update:
        return "UPDATE";
    case ChangeKind::Delete:
        return "DELETE";
    }
    return "INSERT";
}

int64_t now_pg_epoch_us() {
    // 2000-01-01 is 946684800 s after the Unix epoch.
    constexpr int64_t kPgEpochOffsetUs = 946'684'800'000'000;
    auto unix_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
    return unix_us.count() - kPgEpochOffsetUs;
}

} // namespace nectar::realtime
