#include "federation/engine.hpp"

#include "federation/exec/executor.hpp"
#include "federation/plan/build_sides.hpp"
#include "federation/plan/planner.hpp"
#include "federation/sql/binder.hpp"
#include "federation/sql/binder_write.hpp"
#include "federation/sql/parse_tree.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cctype>

namespace nectar::federation {

struct ParsedStatementRef {
    const ParsedSql::Statement& statement;
    std::string_view whole_sql; ///< libpg_query locations index the whole query string
};

namespace {

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

/// Default schema a two-part `service.table` name looks in, per kind of backend.
std::string default_schema_for(const std::string& kind, const std::vector<TableInfo>& tables) {
    if (kind == "postgresql") {
        return "public";
    }
    if (kind == "sqlite") {
        return "main";
    }
    return tables.empty() ? "" : tables.front().schema; // MySQL: the connected database
}

int64_t now_micros_since_2000() {
    using namespace std::chrono;
    constexpr int64_t kUnixTo2000 = 946'684'800LL * 1'000'000LL;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() - kUnixTo2000;
}

/// Values SHOW answers when the session has not SET them (what PostgreSQL 15 reports).
std::string setting_default(std::string_view name) {
    if (name == "server_version") return "15.0 (Nectar)";
    if (name == "server_version_num") return "150000";
    if (name == "server_encoding" || name == "client_encoding") return "UTF8";
    if (name == "datestyle") return "ISO, MDY";
    if (name == "timezone") return "UTC";
    if (name == "intervalstyle") return "postgres";
    if (name == "integer_datetimes" || name == "standard_conforming_strings") return "on";
    if (name == "transaction_isolation" || name == "default_transaction_isolation") return "read committed";
    if (name == "search_path") return "\"$user\", public";
    if (name == "application_name") return "";
    if (name == "max_identifier_length") return "63";
    return {};
}

std::string const_text(JsonNode node) {
    auto [kind, f] = node_kind(node);
    if (kind == "A_Const") {
        if (has_field(f, "sval")) return std::string(string_field(field(f, "sval"), "sval"));
        if (has_field(f, "ival")) return std::to_string(int_field(field(f, "ival"), "ival"));
        if (has_field(f, "fval")) return std::string(string_field(field(f, "fval"), "fval"));
        if (has_field(f, "boolval")) return bool_field(field(f, "boolval"), "boolval") ? "on" : "off";
    }
    if (kind == "TypeCast") {
        return const_text(field(f, "arg"));
    }
    return {};
}

} // namespace

Engine::Engine(std::shared_ptr<CatalogCache> cache)
    : cache_(std::move(cache)) {}

Engine::~Engine() = default;

Engine::InFlight::InFlight(Engine& engine)
    : engine_(engine) {
    ++engine_.in_flight_;
}

Engine::InFlight::~InFlight() {
    if (--engine_.in_flight_ == 0) {
        engine_.retired_.clear();
    }
}

void Engine::add_connector(const std::string& service, const std::string& kind, std::shared_ptr<Connector> connector) {
    auto existing = services_.find(service);
    if (existing != services_.end()) {
        retire(std::move(existing->second));
    }
    services_[service] = Service{kind, std::move(connector)};
    cache_->invalidate(service); // the tables of what was there before are not this service's
    failed_discovery_.erase(service);
    rebuild_routed_names();
}

void Engine::remove_connector(const std::string& service) {
    auto existing = services_.find(service);
    if (existing == services_.end()) {
        return;
    }
    retire(std::move(existing->second));
    services_.erase(existing);
    cache_->invalidate(service);
    failed_discovery_.erase(service);
    rebuild_routed_names();
}

std::shared_ptr<const ServiceTables> Engine::recent_discovery_failure(const std::string& service,
                                                                     const std::string& kind) {
    auto it = failed_discovery_.find(service);
    if (it == failed_discovery_.end()) {
        return nullptr;
    }
    if (std::chrono::steady_clock::now() - it->second.when > kRetryDiscoveryAfter || it->second.tables->kind != kind) {
        failed_discovery_.erase(it);
        return nullptr;
    }
    return it->second.tables;
}

void Engine::retire(Service service) {
    // Destroying a connector while a statement on this worker is suspended inside it would pull
    // its pool and streams from under the statement; keep it until the worker is idle.
    if (in_flight_ > 0) {
        retired_.push_back(std::move(service.connector));
    }
}

std::shared_ptr<Connector> Engine::shared_connector(std::string_view service) const {
    auto it = services_.find(service);
    return it == services_.end() ? nullptr : it->second.connector;
}

void Engine::rebuild_routed_names() {
    routed_names_.clear();
    for (const auto& [name, s] : services_) {
        routed_names_.push_back(name);
    }
    routed_names_.push_back("nectar"); // SPEC §2: Nectar's own reserved catalog
}

bool Engine::has_service(std::string_view service) const { return services_.find(service) != services_.end(); }

const std::string& Engine::service_kind(std::string_view service) const {
    static const std::string none;
    auto it = services_.find(service);
    return it == services_.end() ? none : it->second.kind;
}

Connector* Engine::connector(std::string_view service) const {
    auto it = services_.find(service);
    return it == services_.end() ? nullptr : it->second.connector.get();
}

bool Engine::mentions_other_service(std::string_view sql, std::string_view session_service) const {
    if (sql.find('.') == std::string_view::npos) {
        return false; // most pass-through statements: no qualified name at all
    }
    auto is_ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; };
    // One pass over the text: at each identifier start, is it a service name followed by '.'?
    for (size_t i = 0; i < sql.size(); i++) {
        if (i > 0 && is_ident(sql[i - 1])) {
            continue;
        }
        bool quoted = sql[i] == '"';
        size_t start = quoted ? i + 1 : i;
        for (const std::string& name : routed_names_) {
            if (name == session_service || start + name.size() + (quoted ? 1 : 0) >= sql.size()) {
                continue;
            }
            bool same = true;
            for (size_t k = 0; k < name.size() && same; k++) {
                char c = sql[start + k];
                same = (quoted ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)))) == name[k];
            }
            size_t after = start + name.size();
            if (same && quoted && sql[after] == '"') {
                after++;
            } else if (same && quoted) {
                same = false;
            }
            if (same && after < sql.size() && sql[after] == '.') {
                return true;
            }
        }
    }
    return false;
}

void Engine::refresh_catalog() {
    failed_discovery_.clear();
    for (const auto& [name, service] : services_) {
        cache_->invalidate(name);
    }
}

boost::asio::awaitable<Result<std::shared_ptr<Catalog>>> Engine::catalog() {
    InFlight running(*this);
    // A copy: services may be added or removed on this worker while discovery is suspended.
    std::vector<std::pair<std::string, Service>> services(services_.begin(), services_.end());
    std::vector<std::pair<std::string, std::shared_ptr<const ServiceTables>>> parts;
    for (const auto& [name, service] : services) {
        auto found = cache_->lookup(name);
        auto tables = found.tables;
        if (!tables) {
            tables = recent_discovery_failure(name, service.kind);
        }
        if (!tables || found.refresh) {
            auto discovered = co_await service.connector->discover();
            if (!discovered && found.tables) {
                // A failed refresh keeps the tables known: statements then meet the backend's own error.
                cache_->refresh_failed(name);
            } else if (!discovered) {
                // One backend being down must not take every other service's statements with
                // it: its entry carries the error to the statements that name it.
                Error e = discovered.error();
                e.message = "cannot discover service \"" + name + "\": " + e.message;
                ServiceTables failed;
                failed.kind = service.kind;
                failed.unavailable = e;
                tables = std::make_shared<const ServiceTables>(std::move(failed));
                failed_discovery_[name] = FailedDiscovery{tables, std::chrono::steady_clock::now()};
            } else {
                ServiceTables st;
                st.kind = service.kind;
                st.default_schema = default_schema_for(service.kind, *discovered);
                st.tables = std::move(*discovered);
                cache_->put(name, std::move(st));
                tables = cache_->get(name);
            }
        }
        parts.emplace_back(name, std::move(tables));
    }
    // Most requests see the same snapshots as the last one: reuse the catalog built then.
    if (parts != last_catalog_parts_ || !last_catalog_) {
        auto catalog = std::make_shared<Catalog>();
        for (const auto& [name, tables] : parts) {
            catalog->add_service(name, tables);
        }
        last_catalog_ = std::move(catalog);
        last_catalog_parts_ = std::move(parts);
    }
    co_return last_catalog_;
}

boost::asio::awaitable<Result<void>> Engine::run_simple(std::string sql, const std::string& default_service,
                                                        SessionSettings& settings, SessionTransaction& transaction,
                                                        ResultSink& sink) {
    InFlight running(*this);
    auto parsed = ParsedSql::parse(std::move(sql));
    if (!parsed) {
        co_return parsed.error();
    }
    if ((*parsed)->statements().empty()) {
        sink.empty_query();
        co_return Result<void>{};
    }
    for (const auto& st : (*parsed)->statements()) {
        auto r = co_await run_statement(ParsedStatementRef{st, (*parsed)->sql()}, default_service, settings,
                                        transaction, sink);
        if (!r) {
            transaction.mark_failed(); // inside a block, only ROLLBACK runs now (25P02)
            co_return r.error();
        }
    }
    co_return Result<void>{};
}

boost::asio::awaitable<Result<void>> Engine::run_statement(const ParsedStatementRef& ref,
                                                           const std::string& default_service,
                                                           SessionSettings& settings, SessionTransaction& transaction,
                                                           ResultSink& sink) {
    auto [kind, fields] = node_kind(ref.statement.node);
    auto allowed = WriteRunner::check_block(kind, fields, transaction);
    if (!allowed) {
        co_return allowed.error();
    }
    if (kind == "InsertStmt" || kind == "UpdateStmt" || kind == "DeleteStmt") {
        WriteRunner writes(*this, transaction);
        auto written = co_await writes.run_write(kind, fields, ref.whole_sql, default_service, sink);
        co_return written;
    }
    if (kind == "CallStmt") {
        // CALL nectar.refresh_catalog(): rediscover every service's tables now (on demand).
        auto [fk, call] = node_kind(field(fields, "funccall"));
        auto names = name_list(call, "funcname");
        if (names.size() == 2 && names[0] == "nectar" && names[1] == "refresh_catalog") {
            cache_->invalidate_all();
            failed_discovery_.clear();
            auto refreshed = co_await this->catalog();
            if (!refreshed) {
                co_return refreshed.error();
            }
            sink.command_complete("CALL");
            co_return Result<void>{};
        }
        co_return Error::make("42883", "procedure " + (names.empty() ? std::string("?") : names.back()) +
                                           " does not exist");
    }
    if (kind == "TransactionStmt") {
        WriteRunner block(*this, transaction);
        auto done = co_await block.run_transaction_statement(fields, sink);
        co_return done;
    }
    if (kind == "SelectStmt" || kind == "ExplainStmt") {
        bool explain = kind == "ExplainStmt";
        bool analyze = false;
        JsonNode select = fields;
        if (explain) {
            for (JsonNode opt : list_field(fields, "options")) {
                auto [ok, of] = node_kind(opt);
                std::string name(string_field(of, "defname"));
                analyze |= name == "analyze" && (!has_field(of, "arg") || const_text(field(of, "arg")) != "false");
            }
            auto [qk, qf] = node_kind(field(fields, "query"));
            if (qk != "SelectStmt") {
                co_return Error::make("0A000", "EXPLAIN of " + std::string(qk) +
                                                   " is not supported by Nectar's federated engine yet");
            }
            select = qf;
        }
        auto catalog = co_await this->catalog();
        if (!catalog) {
            co_return catalog.error();
        }
        Binder binder(**catalog, default_service);
        binder.set_source(ref.whole_sql);
        auto logical = binder.bind_select(select);
        if (!logical) {
            co_return logical.error();
        }
        if (!binder.param_types().empty()) {
            co_return Error::make("42P02", "there is no parameter $1");
        }
        co_return co_await run_query(*logical, explain, analyze, {}, transaction, sink);
    }
    if (kind == "VariableSetStmt") {
        std::string name = ascii_lower(string_field(fields, "name"));
        std::string_view set_kind = string_field(fields, "kind");
        if (set_kind == "VAR_SET_VALUE") {
            std::string value;
            for (JsonNode a : list_field(fields, "args")) {
                value += (value.empty() ? "" : ", ") + const_text(a);
            }
            settings[name] = value;
        } else if (set_kind == "VAR_RESET" || set_kind == "VAR_SET_DEFAULT") {
            settings.erase(name);
        } else if (set_kind == "VAR_RESET_ALL") {
            settings.clear();
        }
        sink.command_complete(set_kind == "VAR_SET_VALUE" || set_kind == "VAR_SET_DEFAULT" ? "SET" : "RESET");
        co_return Result<void>{};
    }
    if (kind == "VariableShowStmt") {
        std::string name = ascii_lower(string_field(fields, "name"));
        auto it = settings.find(name);
        std::string value = it != settings.end() ? it->second : setting_default(name);
        if (it == settings.end() && value.empty() && name != "application_name") {
            co_return Error::make("42704", "unrecognized configuration parameter \"" + name + "\"");
        }
        sink.row_description({{name, Type::Text}});
        sink.data_row({Value::text(value)});
        sink.command_complete("SHOW");
        co_return Result<void>{};
    }
    co_return Error::make("0A000", "statement " + std::string(kind) +
                                       " is not supported by Nectar's federated engine yet");
}

boost::asio::awaitable<Result<void>> Engine::run_plan(PlanPtr logical, ResultSink& sink) {
    InFlight running(*this);
    SessionTransaction none;
    std::vector<Value> no_params;
    co_return co_await run_query(std::move(logical), false, false, no_params, none, sink);
}

boost::asio::awaitable<Result<CommandResult>> Engine::write(const BoundWrite& w, WritePrecondition precondition) {
    if (connector(w.service) == nullptr) {
        co_return Error::make("3D000", "service \"" + w.service + "\" is not available on this worker");
    }
    SessionTransaction own; // idle: the write commits on its own, as an autocommit statement
    WriteRunner runner(*this, own);
    co_return co_await runner.run_bound(w, precondition);
}

boost::asio::awaitable<Result<int64_t>> Engine::estimate_rows(PlanPtr logical) {
    InFlight running(*this);
    DialectLookup dialects = [this](std::string_view service) -> const Dialect* {
        Connector* c = connector(service);
        return c ? &c->dialect() : nullptr;
    };
    auto planned = plan_query(logical, dialects, {});
    if (!planned) {
        co_return planned.error();
    }
    Connector* c = (*planned)->kind == PlanNode::Kind::Remote ? connector((*planned)->service) : nullptr;
    if (c == nullptr) {
        co_return int64_t{-1};
    }
    co_return co_await c->estimate_rows((*planned)->remote_sql);
}

boost::asio::awaitable<Result<void>> Engine::run_query(PlanPtr logical, bool explain, bool analyze,
                                                       const std::vector<Value>& params,
                                                       SessionTransaction& transaction, ResultSink& sink) {
    DialectLookup dialects = [this](std::string_view service) -> const Dialect* {
        Connector* c = connector(service);
        return c ? &c->dialect() : nullptr;
    };
    auto planned = plan_query(logical, dialects, params);
    if (!planned) {
        co_return planned.error();
    }
    ConnectorLookup connectors = [this, &transaction](std::string_view service) {
        return transaction.connector_for(service, connector(service));
    };
    co_await choose_build_sides(*planned, connectors);
    if (explain && !analyze) {
        sink.row_description({{"QUERY PLAN", Type::Text}});
        for (auto& line : explain_lines(*planned, nullptr)) {
            sink.data_row({Value::text(line)});
        }
        sink.command_complete("EXPLAIN");
        co_return Result<void>{};
    }
    ExecContext ctx;
    ctx.connector = connectors;
    ctx.params = params;
    ctx.collect_stats = analyze;
    ctx.statement_timestamp_us = now_micros_since_2000();
    auto subqueries = co_await run_subqueries(*planned, ctx);
    if (!subqueries) {
        co_return subqueries.error();
    }
    auto op = build_operator(*planned, ctx);
    if (!op) {
        co_return op.error();
    }
    if (!explain) {
        sink.row_description((*planned)->columns);
    }
    int64_t rows = 0;
    auto started = std::chrono::steady_clock::now();
    for (;;) {
        Batch batch;
        auto more = co_await (*op)->next(batch);
        if (!more) {
            co_return more.error();
        }
        rows += static_cast<int64_t>(batch.rows.size());
        if (!explain) {
            for (const Row& row : batch.rows) {
                sink.data_row(row);
            }
            co_await sink.maybe_flush();
        }
        if (!*more) {
            break;
        }
    }
    if (explain) {
        sink.row_description({{"QUERY PLAN", Type::Text}});
        for (auto& line : explain_lines(*planned, &ctx)) {
            sink.data_row({Value::text(line)});
        }
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        sink.data_row({Value::text(fmt::format("Execution Time: {:.3f} ms", ms))});
        sink.command_complete("EXPLAIN");
        co_return Result<void>{};
    }
    sink.command_complete("SELECT " + std::to_string(rows));
    co_return Result<void>{};
}

} // namespace nectar::federation
