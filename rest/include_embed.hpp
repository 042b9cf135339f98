#pragma once
// `include=rel,...` (SPEC §5): related rows embedded in a page without N+1 queries. After the
// page is fetched, each included relationship runs one logical plan for the whole page (the
// related table filtered on `key IN (the page's keys)`, through the junction table for
// manyToMany), and the rows are stitched in memory: belongsTo → an object or null, hasMany and
// manyToMany → an array. `fields=rel.col` limits an embedded relation's columns.

#include "federation/engine.hpp"
#include "rest/exposure_store.hpp"
#include "rest/http_message.hpp"
#include "rest/json_writer.hpp"
#include "rest/relationships.hpp"

#include <vector>

namespace nectar::rest {

/// One include= item: the relationship and the related table's columns to print.
struct Embed {
    Relationship relationship;
    std::vector<int> columns; ///< of relationship.target, in order
};

/// include= and the "relation.column" items of fields=, checked against the table's
/// relationships: 400 for an unknown relation (listing the known ones), a related table that is
/// not exposed, an unknown related column, or fields= naming a relation include= does not embed.
Result<std::vector<Embed>> read_embeds(const HttpRequest& request, const federation::ServiceTables& service,
                                       const federation::TableInfo& table, const ExposureStore& exposures);

/// The embeds of the relationships `names` of `table` (a _query body's "include"), every related
/// column each; the same checks as read_embeds.
Result<std::vector<Embed>> embeds_named(const std::vector<std::string_view>& names, const std::string& service_name,
                                        const federation::ServiceTables& service, const federation::TableInfo& table,
                                        const ExposureStore& exposures);

/// The table columns the page's rows must carry for `embeds` (their local key columns).
std::vector<int> embed_key_columns(const federation::TableInfo& table, const std::vector<Embed>& embeds);

/// Keeps a result's rows, up to `limit` of them; one more only sets `more`.
class RowsCollector final : public federation::ResultSink {
  public:
    explicit RowsCollector(int64_t limit)
        : limit_(limit) {}
    void row_description(const std::vector<federation::OutputColumn>&) override {}
    void data_row(const federation::Row& row) override {
        if (static_cast<int64_t>(rows.size()) == limit_) {
            more = true;
            return;
        }
        rows.push_back(row);
    }
    void command_complete(const std::string&) override {}
    void empty_query() override {}
    boost::asio::awaitable<void> maybe_flush() override { co_return; } // bounded by the caller's limit

    std::vector<federation::Row> rows;
    bool more = false;

  private:
    int64_t limit_;
};

/// The page's rows, as fetched: row[i] holds table column columns[i]; the first `printed` are
/// the ones the caller asked for, the rest only carry keys. columns[i] is -1 for a value that is
/// not one of the table's columns (a joined table's, in _query).
struct PageRows {
    std::vector<federation::Row> rows;
    std::vector<int> columns;
    size_t printed = 0;
    std::vector<std::string> names; ///< the printed values' names; empty: the table's column names
};

/// Fetches each embed's related rows for the whole page (one plan per embed) and writes every
/// row as a JSON object with its embedded relations (`w` inside an array, or at the top).
boost::asio::awaitable<Result<void>> write_with_embeds(federation::Engine& engine, const std::string& service,
                                                       const federation::TableInfo& table, const PageRows& page,
                                                       const std::vector<Embed>& embeds, JsonWriter& w);

} // namespace nectar::rest
