#include "realtime/event_filter.hpp"

#include "federation/exec/executor.hpp"

#include <algorithm>

namespace nectar::realtime {

bool EventFilter::keeps(const federation::Row& row) const {
    if (!filter_) {
        return true;
    }
    federation::ExecContext context;
    auto kept = federation::evaluate_predicate(*filter_, row, context);
    // A row the filter cannot evaluate (a value of an unexpected type) is not sent.
    return kept && *kept;
}

bool EventFilter::matches(const ChangeEvent& event) const {
    if (std::find(kinds_.begin(), kinds_.end(), event.kind) == kinds_.end()) {
        return false;
    }
    return keeps(event.kind == ChangeKind::Delete ? event.old_row : event.new_row);
}

} // namespace nectar::realtime
