// EXPLAIN [ANALYZE] text for a planned tree.
#include "federation/exec/executor.hpp"
#include "federation/plan/planner.hpp"

#include <fmt/format.h>

namespace nectar::federation {

namespace {

std::string node_title(const PlanNode& n) {
    switch (n.kind) {
    case PlanNode::Kind::Remote:
        return "Remote Query on " + n.service;
    case PlanNode::Kind::Scan:
        return "Scan " + n.service + "." + n.table;
    case PlanNode::Kind::Filter:
        return "Filter";
    case PlanNode::Kind::Project:
        return "Project";
    case PlanNode::Kind::Join: {
        const char* t[] = {"Inner", "Left", "Right", "Full", "Semi", "Anti", "Cross"};
        bool equi = n.condition != nullptr;
        return std::string(equi ? "Hash Join (" : "Nested Loop (") + t[static_cast<int>(n.join_type)] + ")";
    }
    case PlanNode::Kind::Aggregate:
        return n.grouping_sets.empty() ? "Hash Aggregate" : "Hash Aggregate (grouping sets)";
    case PlanNode::Kind::Sort:
        return "Sort";
    case PlanNode::Kind::Limit:
        return "Limit";
    case PlanNode::Kind::Distinct:
        return "Distinct";
    case PlanNode::Kind::SetOp: {
        const char* t[] = {"Union", "Intersect", "Except"};
        return std::string(t[static_cast<int>(n.set_op)]) + (n.set_all ? " All" : "");
    }
    case PlanNode::Kind::Values:
        return "Values";
    case PlanNode::Kind::Window:
        return "Window";
    case PlanNode::Kind::TopNAttempts:
        return "Top-N Attempts";
    }
    return "?";
}

void walk(const PlanNode& n, int depth, const ExecContext* analyzed, std::vector<std::string>& out) {
    std::string indent(depth == 0 ? 0 : depth * 6 - 4, ' ');
    std::string line = indent + (depth == 0 ? "" : "->  ") + node_title(n);
    if (analyzed != nullptr) {
        auto it = analyzed->stats.find(&n);
        if (it != analyzed->stats.end()) {
            line += fmt::format("  (actual time={:.3f} ms rows={})", it->second.elapsed.count() / 1e6, it->second.rows);
        }
    }
    out.push_back(line);
    std::string detail(depth == 0 ? 2 : depth * 6 + 2, ' ');
    if (n.kind == PlanNode::Kind::Remote) {
        out.push_back(detail + "Remote SQL: " + n.remote_sql);
    }
    if (analyzed != nullptr) {
        if (auto note = analyzed->notes.find(&n); note != analyzed->notes.end()) {
            out.push_back(detail + note->second);
        }
    }
    if (n.kind == PlanNode::Kind::TopNAttempts) {
        out.push_back(detail + "Each input until one yields " + std::to_string(*n.limit) +
                      " rows; the last is the unlimited join");
    }
    if (n.kind == PlanNode::Kind::Limit) {
        out.push_back(detail + "Limit: " + (n.limit ? std::to_string(*n.limit) : "ALL") +
                      (n.offset ? " Offset: " + std::to_string(n.offset) : "") + (n.with_ties ? " With Ties" : ""));
    }
    for (auto& c : n.children) {
        walk(*c, depth + 1, analyzed, out);
    }
}

} // namespace

std::vector<std::string> explain_lines(const PlanPtr& planned, const ExecContext* analyzed) {
    std::vector<std::string> out;
    walk(*planned, 0, analyzed, out);
    return out;
}

} // namespace nectar::federation
