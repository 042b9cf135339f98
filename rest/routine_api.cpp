#include "rest/routine_api.hpp"

#include "federation/engine.hpp"
#include "rest/change_notice.hpp"
#include "rest/filter.hpp"
#include "rest/json_writer.hpp"
#include "rest/table_api.hpp"

#include <algorithm>
#include <cctype>
#include <simdjson.h>

namespace nectar::rest {

using namespace federation;
using boost::asio::awaitable;

namespace {

/// A routine's own error raised on purpose (RAISE EXCEPTION, SIGNAL '45000') is the caller's
/// business: 400, like a check that refused the input.
HttpResponse error_response(const Error& error) {
    bool raised = error.sqlstate == "P0001" || error.sqlstate == "45000";
    return HttpResponse::error(raised ? 400 : http_status_for(error), error.sqlstate, error.message);
}

/// The engine type an argument's value is coerced to, from its declared type (PostgreSQL's
/// information_schema names, MySQL's "int(11) unsigned"); text for types the engine lacks
/// (enums, arrays, user types): the backend then converts the string itself.
Type argument_type(std::string_view declared) {
    std::string name;
    for (char c : declared.substr(0, declared.find('('))) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    while (!name.empty() && name.back() == ' ') {
        name.pop_back();
    }
    static const std::vector<std::pair<std::string_view, Type>> kMysqlNames = {
        {"tinyint", Type::Int4},   {"mediumint", Type::Int4}, {"double", Type::Float8}, {"datetime", Type::Timestamp},
        {"longtext", Type::Text},  {"mediumtext", Type::Text}, {"tinytext", Type::Text}, {"json", Type::Json}};
    for (const auto& [known, type] : kMysqlNames) {
        if (name == known) {
            return type;
        }
    }
    return type_from_name(name).value_or(Type::Text);
}

Error bad_params(const RoutineInfo& routine, const std::string& message) {
    return Error::make("22023", "_proc \"" + routine.name + "\": " + message);
}

/// The routine's IN and INOUT arguments: the ones a call gives values for.
std::vector<const RoutineArgument*> inputs_of(const RoutineInfo& routine) {
    std::vector<const RoutineArgument*> inputs;
    for (const RoutineArgument& a : routine.arguments) {
        if (a.mode != "OUT") {
            inputs.push_back(&a);
        }
    }
    return inputs;
}

/// One argument's JSON value as its declared type; 22P02/22003 naming the argument.
Result<Value> argument_value(const RoutineInfo& routine, const RoutineArgument& argument, size_t position,
                             simdjson::dom::element value) {
    Type type = argument_type(argument.type);
    std::string which = argument.name.empty() ? "argument " + std::to_string(position + 1)
                                              : "argument \"" + argument.name + "\"";
    bool nested = value.is_object() || value.is_array();
    if (nested && type != Type::Json && type != Type::Jsonb) {
        // column_value reads scalars only: a nested value must fit a json argument.
        return Error::make("22P02", "_proc \"" + routine.name + "\": " + which + " (" + argument.type +
                                        "): a JSON object or array fits only a json argument");
    }
    auto coerced = column_value(value, type);
    if (!coerced) {
        return Error::make(coerced.error().sqlstate, "_proc \"" + routine.name + "\": " + which + " (" + argument.type +
                                                         "): " + coerced.error().message);
    }
    return coerced;
}

/// "params" as an array: exactly one value per input argument, in order.
Result<std::vector<Value>> positional_values(const RoutineInfo& routine, simdjson::dom::array params) {
    auto inputs = inputs_of(routine);
    if (params.size() != inputs.size()) {
        return bad_params(routine, "expects " + std::to_string(inputs.size()) + " argument(s), got " +
                                       std::to_string(params.size()));
    }
    std::vector<Value> values;
    size_t i = 0;
    for (simdjson::dom::element value : params) {
        auto v = argument_value(routine, *inputs[i], i, value);
        if (!v) {
            return v.error();
        }
        values.push_back(std::move(*v));
        i++;
    }
    return values;
}

/// "params" as an object: every input argument by name, nothing else.
Result<std::vector<Value>> named_values(const RoutineInfo& routine, simdjson::dom::object params) {
    auto inputs = inputs_of(routine);
    for (auto [key, value] : params) {
        bool known = std::any_of(inputs.begin(), inputs.end(), [&](const RoutineArgument* a) { return a->name == key; });
        if (!known) {
            bool out_only = std::any_of(routine.arguments.begin(), routine.arguments.end(),
                                        [&](const RoutineArgument& a) { return a.name == key; });
            return bad_params(routine, "unknown argument \"" + std::string(key) + "\"" +
                                           (out_only ? " (an OUT argument: it is returned, not given)" : ""));
        }
    }
    std::vector<Value> values;
    for (size_t i = 0; i < inputs.size(); i++) {
        if (inputs[i]->name.empty()) {
            return bad_params(routine, "argument " + std::to_string(i + 1) +
                                           " has no name: give \"params\" as an array");
        }
        simdjson::dom::element value;
        if (params[inputs[i]->name].get(value) != simdjson::SUCCESS) {
            return bad_params(routine, "missing argument \"" + inputs[i]->name + "\" (" + inputs[i]->type + ")");
        }
        auto v = argument_value(routine, *inputs[i], i, value);
        if (!v) {
            return v.error();
        }
        values.push_back(std::move(*v));
    }
    return values;
}

/// The body's "params" bound to `routine` (absent: no arguments).
Result<std::vector<Value>> bind_params(const RoutineInfo& routine, simdjson::dom::element body) {
    simdjson::dom::element params;
    if (body["params"].get(params) != simdjson::SUCCESS) {
        auto inputs = inputs_of(routine);
        if (!inputs.empty()) {
            return bad_params(routine, "missing argument(s): expects " + std::to_string(inputs.size()) +
                                           ", no \"params\" given");
        }
        return std::vector<Value>{};
    }
    simdjson::dom::array list;
    if (params.get_array().get(list) == simdjson::SUCCESS) {
        return positional_values(routine, list);
    }
    simdjson::dom::object named;
    if (params.get_object().get(named) == simdjson::SUCCESS) {
        return named_values(routine, named);
    }
    return bad_params(routine, "\"params\" must be an object of named arguments or an array of values");
}

/// The routine a call means among those named `name` (PostgreSQL overloads share a name): the
/// only one, or the only one whose inputs fit the params' count or names.
Result<const RoutineInfo*> pick_overload(const std::vector<const RoutineInfo*>& candidates,
                                         simdjson::dom::element body) {
    if (candidates.size() == 1) {
        return candidates.front();
    }
    std::vector<const RoutineInfo*> fitting;
    for (const RoutineInfo* r : candidates) {
        if (bind_params(*r, body)) {
            fitting.push_back(r);
        }
    }
    if (fitting.size() == 1) {
        return fitting.front();
    }
    return Error::make("42725", "_proc \"" + candidates.front()->name + "\": " +
                                    (fitting.empty() ? "no overload of the routine takes these params"
                                                     : "the params fit several overloads of the routine"));
}

void write_rows(JsonWriter& w, const RoutineResultSet& set) {
    w.begin_array();
    for (const Row& row : set.rows) {
        w.begin_object();
        for (size_t i = 0; i < row.size() && i < set.columns.size(); i++) {
            w.key(set.columns[i]);
            w.value(row[i]);
        }
        w.end_object();
    }
    w.end_array();
}

void write_result(JsonWriter& w, const RoutineResult& result) {
    w.begin_object();
    w.key("data");
    if (result.sets.empty()) {
        w.begin_array();
        w.end_array();
    } else {
        write_rows(w, result.sets.front());
    }
    if (result.sets.size() > 1) {
        w.key("resultSets");
        w.begin_array();
        for (const RoutineResultSet& set : result.sets) {
            write_rows(w, set);
        }
        w.end_array();
    }
    if (!result.out_names.empty()) {
        w.key("out");
        w.begin_object();
        for (size_t i = 0; i < result.out_names.size(); i++) {
            w.key(result.out_names[i]);
            i < result.out_values.size() ? w.value(result.out_values[i]) : w.null();
        }
        w.end_object();
    }
    w.end_object();
}

/// The routines of `service` named `name`, once the service and the exposure are checked.
awaitable<Result<std::vector<RoutineInfo>>> routines_named(const HttpRequest& request, const ExposureStore& exposures) {
    const std::string& service = request.path_param("service");
    const std::string& name = request.path_param("name");
    auto catalog = co_await request.engine->catalog();
    if (!catalog) {
        co_return catalog.error();
    }
    const ServiceTables* tables = (*catalog)->service(service);
    Connector* connector = request.engine->connector(service);
    if (tables == nullptr || connector == nullptr) {
        co_return Error::make("3D000", "service \"" + service + "\" does not exist");
    }
    if (tables->kind == "sqlite") {
        co_return Error::make("P0002", "service \"" + service + "\" is a sqlite service: SQLite has no stored "
                                                                 "procedures or functions to call");
    }
    if (!exposures.is_routine_exposed(service, name)) {
        co_return Error::make("P0002", "procedure or function \"" + name + "\" of service \"" + service +
                                           "\" is not exposed (POST _expose {\"procedures\": [\"" + name + "\"]})");
    }
    auto all = co_await connector->discover_routines();
    if (!all) {
        co_return all.error();
    }
    std::vector<RoutineInfo> named;
    std::copy_if(all->begin(), all->end(), std::back_inserter(named), [&](const RoutineInfo& r) { return r.name == name; });
    if (named.empty()) {
        co_return Error::make("P0002", "procedure or function \"" + name + "\" does not exist in service \"" +
                                           service + "\"");
    }
    co_return named;
}

/// A routine may have written any table of its service (which ones, the catalog does not say):
/// cached answers of every one of them are dropped, as after a REST write.
awaitable<void> notify_service_written(const HttpRequest& request, const std::string& service) {
    auto catalog = co_await request.engine->catalog();
    const ServiceTables* tables = catalog ? (*catalog)->service(service) : nullptr;
    for (size_t i = 0; tables != nullptr && i < tables->tables.size(); i++) {
        notify_written(service, tables->tables[i].name);
    }
}

awaitable<HttpResponse> call(const HttpRequest& request, const ExposureStore& exposures) {
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::string_view text = request.body.empty() ? std::string_view("{}") : std::string_view(request.body);
    if (auto error = parser.parse(text.data(), text.size()).get(body); error != simdjson::SUCCESS) {
        co_return HttpResponse::error(400, "22P02", std::string("_proc: the body is not valid JSON: ") +
                                                        simdjson::error_message(error));
    }
    simdjson::dom::object object;
    if (body.get_object().get(object) != simdjson::SUCCESS) {
        co_return HttpResponse::error(400, "22023", "_proc: the body must be an object, {\"params\": {...} or [...]}");
    }
    for (auto [key, value] : object) {
        if (key != "params") {
            co_return HttpResponse::error(400, "22023", "_proc: unknown key \"" + std::string(key) +
                                                            "\" (the body is {\"params\": {...} or [...]})");
        }
    }
    auto routines = co_await routines_named(request, exposures);
    if (!routines) {
        co_return error_response(routines.error());
    }
    std::vector<const RoutineInfo*> candidates;
    for (const RoutineInfo& r : *routines) {
        candidates.push_back(&r);
    }
    auto routine = pick_overload(candidates, body);
    if (!routine) {
        co_return error_response(routine.error());
    }
    auto values = bind_params(**routine, body);
    if (!values) {
        co_return error_response(values.error());
    }
    const std::string& service = request.path_param("service");
    Connector* connector = request.engine->connector(service);
    auto result = co_await connector->call_routine(**routine, std::move(*values));
    if (!result) {
        co_return error_response(result.error());
    }
    co_await notify_service_written(request, service);
    HttpResponse response;
    JsonWriter w(response.body);
    write_result(w, *result);
    co_return response;
}

} // namespace

void add_routine_routes(HttpRouter& router, const ExposureStore& exposures) {
    router.add("POST", "/api/v2/{service}/_proc/{name}",
               [&exposures](const HttpRequest& request) { return call(request, exposures); });
}

} // namespace nectar::rest
