#pragma once
// Which events a subscription receives: its event kinds and its filter (SPEC §5's filter
// language, bound by rest/filter.cpp), evaluated with the federation evaluator on the new row,
// or on the old row for a DELETE.

#include "federation/plan/expr.hpp"
#include "realtime/change_event.hpp"

#include <vector>

namespace nectar::realtime {

class EventFilter {
  public:
    /// `filter`: a bound boolean expression over the feed table's columns, or null for every row.
    EventFilter(std::vector<ChangeKind> kinds, federation::ExprPtr filter)
        : kinds_(std::move(kinds))
        , filter_(std::move(filter)) {}

    bool matches(const ChangeEvent& event) const;
    /// Whether the filter keeps `row` (snapshot frames carry only those rows).
    bool keeps(const federation::Row& row) const;

  private:
    std::vector<ChangeKind> kinds_;
    federation::ExprPtr filter_;
};

} // namespace nectar::realtime
