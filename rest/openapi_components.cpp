#include "rest/openapi_components.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace nectar::rest {

namespace {

using Entry = std::pair<std::string_view, std::string_view>; ///< a key and its raw JSON value

void write_entries(JsonWriter& w, std::initializer_list<Entry> entries) {
    for (const auto& [key, json] : entries) {
        w.key(key);
        w.raw(json);
    }
}

std::string error_response(std::string_view description) {
    return std::string(R"({"description":")").append(description) +
           R"(","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}})";
}

} // namespace

void write_shared_parameters(JsonWriter& w, int64_t default_limit, int64_t max_limit) {
    std::string limit = R"({"name":"limit","in":"query","description":"Rows per page (a larger value is a 400, never a silent cap).","schema":{"type":"integer","minimum":1,"maximum":)" +
                        std::to_string(max_limit) + R"(,"default":)" + std::to_string(default_limit) + "}}";
    w.key("limit");
    w.raw(limit);
    write_entries(w, {
        {"filter", R"({"name":"filter","in":"query","description":"JSON filter: equality {\"status\":\"active\"}; operators $eq $ne $gt $gte $lt $lte $in $nin $between $like $ilike $null $exists $contains; logic $or $and $not; dotted paths into JSON columns.","schema":{"type":"string"}})"},
        {"requiredFilter", R"({"name":"filter","in":"query","required":true,"description":"JSON filter selecting the rows to change (required: a write never applies to the whole table by accident).","schema":{"type":"string"}})"},
        {"sort", R"({"name":"sort","in":"query","description":"Columns to order by, `col:desc,col2` (ascending unless :desc); the primary key by default.","schema":{"type":"string"}})"},
        {"page", R"({"name":"page","in":"query","description":"Page number from 1 (not with offset).","schema":{"type":"integer","minimum":1}})"},
        {"offset", R"({"name":"offset","in":"query","description":"Rows to skip (not with page).","schema":{"type":"integer","minimum":0}})"},
        {"fields", R"({"name":"fields","in":"query","description":"Columns to return, `a,b` (`rel.c` for an included relationship's column).","schema":{"type":"string"}})"},
        {"include", R"({"name":"include","in":"query","description":"Relationships to embed in each row, `rel,...`.","schema":{"type":"string"}})"},
        {"exclude", R"({"name":"exclude","in":"query","description":"Columns to leave out, `col,...`.","schema":{"type":"string"}})"},
        {"count", R"({"name":"count","in":"query","description":"Adds meta.total: `exact` counts, `estimated` takes the backend's estimate when it has one.","schema":{"type":"string","enum":["exact","estimated"]}})"},
        {"upsert", R"({"name":"upsert","in":"query","description":"Update the existing row when the key in onConflict collides.","schema":{"type":"boolean"}})"},
        {"onConflict", R"({"name":"onConflict","in":"query","description":"The unique column(s) an upsert matches on, `col` or `a,b`.","schema":{"type":"string"}})"},
        {"rowId", R"({"name":"id","in":"path","required":true,"description":"The primary key; a composite key as `a,b` in key order.","schema":{"type":"string"}})"},
        {"ifMatch", R"({"name":"If-Match","in":"header","description":"The row's ETag from a GET: the write happens only if the row is unchanged (412 otherwise).","schema":{"type":"string"}})"},
        {"serviceName", R"({"name":"name","in":"path","required":true,"description":"The service's name.","schema":{"type":"string"}})"},
        {"service", R"({"name":"service","in":"path","required":true,"description":"The service's name.","schema":{"type":"string"}})"},
        {"role", R"({"name":"X-Role","in":"header","description":"One of the caller's roles to act as (the first by default).","schema":{"type":"string"}})"},
    });
}

void write_shared_responses(JsonWriter& w) {
    const std::pair<std::string_view, std::string_view> errors[] = {
        {"400", "The request is malformed: bad JSON, unknown column, bad operator or value"},
        {"401", "No credentials, or credentials that are not valid"},
        {"403", "The caller's role may not do this"},
        {"404", "No such service, table (or table not exposed) or row"},
        {"409", "The request conflicts with what the database or Nectar holds (a unique or foreign key, a service from the config file)"},
        {"412", "If-Match does not match the row's current ETag"},
        {"429", "Rate limit reached: retry after Retry-After seconds"},
        {"503", "The backend database cannot be reached"},
    };
    for (const auto& [status, description] : errors) {
        w.key(status);
        w.raw(error_response(description));
    }
}

void write_shared_schemas(JsonWriter& w) {
    write_entries(w, {
        {"Error", R"({"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","sqlstate","message"],"properties":{"code":{"type":"integer","description":"The HTTP status"},"sqlstate":{"type":"string","minLength":5,"maxLength":5,"description":"PostgreSQL's SQLSTATE for the failure"},"message":{"type":"string"},"details":{"description":"More about the failure, when there is more"}}}}})"},
        {"ListMeta", R"({"type":"object","required":["page","limit","count"],"properties":{"page":{"type":"integer"},"limit":{"type":"integer"},"offset":{"type":"integer"},"count":{"type":"integer","description":"Rows in data"},"more":{"type":"boolean","description":"Whether rows past this page exist"},"total":{"type":"integer","description":"All rows the filter keeps, with count="},"totalIsEstimate":{"type":"boolean"}}})"},
        {"Count", R"({"type":"object","required":["count"],"properties":{"count":{"type":"integer","format":"int64"}}})"},
        {"TableSchema", R"({"type":"object","properties":{"service":{"type":"string"},"schema":{"type":"string"},"name":{"type":"string"},"view":{"type":"boolean"},"columns":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"type":{"type":"string","description":"PostgreSQL type"},"nativeType":{"type":"string","description":"The backend's own type"},"nullable":{"type":"boolean"},"primaryKey":{"type":"boolean"}}}},"primaryKey":{"type":"array","items":{"type":"string"}},"relationships":{"type":"array","items":{"type":"object","additionalProperties":true}}}})"},
        {"QueryBody", R"({"type":"object","properties":{"select":{"type":"array","items":{"type":"string"},"description":"Columns, `table.column` once joins are used"},"joins":{"type":"array","items":{"type":"object","required":["table","on"],"properties":{"table":{"type":"string","description":"`table` or another service's `service.table`"},"as":{"type":"string"},"on":{"type":"object","additionalProperties":{"type":"string"}},"type":{"type":"string","enum":["inner","left","right","full"]}}}},"where":{"type":"object","additionalProperties":true,"description":"A filter, as the filter parameter"},"filter":{"type":"object","additionalProperties":true},"aggregate":{"type":"object","properties":{"group":{"type":"array","items":{"type":"string"}},"functions":{"type":"object","additionalProperties":{"type":"object"}}}},"sort":{"type":"string"},"limit":{"type":"integer","minimum":1},"page":{"type":"integer","minimum":1},"offset":{"type":"integer","minimum":0},"include":{"type":"array","items":{"type":"string"}},"exclude":{"type":"array","items":{"type":"string"}}}})"},
        {"ServiceInput", R"({"type":"object","required":["name","databaseType","connectionString"],"properties":{"name":{"type":"string"},"databaseType":{"type":"string","enum":["postgresql","mysql","mariadb","mongodb","sqlserver","odbc","sqlite"]},"connectionString":{"type":"string"},"pool":{"type":"object","properties":{"minConnections":{"type":"integer"},"maxConnections":{"type":"integer"},"acquireTimeoutMillis":{"type":"integer"},"createTimeoutMillis":{"type":"integer"},"idleTimeoutMillis":{"type":"integer"},"reapIntervalMillis":{"type":"integer"},"createRetryIntervalMillis":{"type":"integer"}}},"ssl":{"type":"object","additionalProperties":true},"options":{"type":"object","additionalProperties":true}}})"},
        {"Service", R"({"type":"object","required":["name","databaseType"],"properties":{"name":{"type":"string"},"databaseType":{"type":"string"},"connectionString":{"type":"string","description":"With the password shown as ****"},"source":{"type":"string","description":"config for services from the config file or flags"},"pool":{"type":"object","additionalProperties":true},"ssl":{"type":"object","additionalProperties":true},"options":{"type":"object","additionalProperties":true},"createdAt":{"type":"string"},"updatedAt":{"type":"string"},"health":{"type":"object","properties":{"status":{"type":"string"},"latencyMs":{"type":"number"},"error":{"type":"string"}}}},"additionalProperties":true})"},
        {"Discovery", R"({"type":"object","description":"Tables, views and collections with their columns (name, type, primaryKey, autoIncrement, nullable, unique, defaultValue), relationships (hasMany, belongsTo, manyToMany), indexes, procedures and functions.","additionalProperties":true})"},
        {"ExposeInput", R"({"type":"object","properties":{"tables":{"type":"array","items":{"type":"string"},"description":"Table names; \"*\" exposes every table, now and later, and makes every routine callable"},"procedures":{"type":"array","items":{"type":"string"},"description":"Stored procedures and functions _proc may call"}}})"},
        {"Exposed", R"({"type":"object","properties":{"service":{"type":"string"},"exposed":{"type":"array","items":{"type":"string"}},"procedures":{"type":"array","items":{"type":"string"},"description":"Routines exposed by name; absent when none"}}})"},
    });
}

void write_headers_and_security(JsonWriter& w) {
    w.key("headers");
    w.raw(R"({"ETag":{"description":"The row's entity tag, for If-Match","schema":{"type":"string"}}})");
    w.key("securitySchemes");
    w.raw(R"({"ApiKeyAuth":{"type":"apiKey","in":"header","name":"X-API-Key","description":"An API key given to Nectar with --api-key"},"BearerAuth":{"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"A JWT signed with Nectar's configured key; its exp, nbf and aud are checked"}})");
}

void write_service_paths(JsonWriter& w) {
    write_entries(w, {
        {"/api/v2/services", R"({"get":{"tags":["services"],"summary":"List the registered services","operationId":"services.list","responses":{"200":{"description":"The services","content":{"application/json":{"schema":{"type":"object","properties":{"data":{"type":"array","items":{"$ref":"#/components/schemas/Service"}},"meta":{"type":"object","properties":{"count":{"type":"integer"}}}}}}}},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"}}},"post":{"tags":["services"],"summary":"Register a service","operationId":"services.create","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ServiceInput"}}}},"responses":{"201":{"description":"The registered service","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Service"}}}},"400":{"$ref":"#/components/responses/400"},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"409":{"$ref":"#/components/responses/409"}}}})"},
        {"/api/v2/services/{name}", R"({"parameters":[{"$ref":"#/components/parameters/serviceName"}],"get":{"tags":["services"],"summary":"Inspect a service, with its health","operationId":"services.get","responses":{"200":{"description":"The service","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Service"}}}},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"}}},"patch":{"tags":["services"],"summary":"Change a service","operationId":"services.update","requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","description":"The members of ServiceInput to change","additionalProperties":true}}}},"responses":{"200":{"description":"The changed service","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Service"}}}},"400":{"$ref":"#/components/responses/400"},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"},"409":{"$ref":"#/components/responses/409"}}},"delete":{"tags":["services"],"summary":"Remove a service","operationId":"services.delete","responses":{"200":{"description":"The removed service","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Service"}}}},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"}}}})"},
        {"/api/v2/{service}/_discover", R"({"parameters":[{"$ref":"#/components/parameters/service"}],"get":{"tags":["services"],"summary":"Discover a service's tables, columns, relationships, indexes and routines","operationId":"services.discover","responses":{"200":{"description":"What the database holds","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Discovery"}}}},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"},"503":{"$ref":"#/components/responses/503"}}}})"},
        {"/api/v2/{service}/_expose", R"({"parameters":[{"$ref":"#/components/parameters/service"}],"post":{"tags":["services"],"summary":"Expose tables and routines over REST","description":"Only exposed tables answer under _table and appear in this document; only exposed routines answer under _proc.","operationId":"services.expose","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ExposeInput"}}}},"responses":{"200":{"description":"The service's exposed tables","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Exposed"}}}},"400":{"$ref":"#/components/responses/400"},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"}}}})"},
        {"/api/v2/{service}/_proc/{name}", R"({"parameters":[{"$ref":"#/components/parameters/service"},{"name":"name","in":"path","required":true,"description":"The procedure or function","schema":{"type":"string"}}],"post":{"tags":["services"],"summary":"Call a stored procedure or function","description":"Only routines exposed by name, or of a service exposing \"*\", answer. Arguments are checked against the routine's and coerced to their declared types.","operationId":"services.call","requestBody":{"required":false,"content":{"application/json":{"schema":{"type":"object","additionalProperties":false,"properties":{"params":{"oneOf":[{"type":"object","description":"Named arguments"},{"type":"array","items":{},"description":"Positional arguments"}]}}}}}},"responses":{"200":{"description":"Rows of the first result set as data; every set as resultSets when there are several; OUT/INOUT arguments as out","content":{"application/json":{"schema":{"type":"object","properties":{"data":{"type":"array","items":{"type":"object"}},"resultSets":{"type":"array","items":{"type":"array","items":{"type":"object"}}},"out":{"type":"object"}}}}}},"400":{"$ref":"#/components/responses/400"},"401":{"$ref":"#/components/responses/401"},"403":{"$ref":"#/components/responses/403"},"404":{"$ref":"#/components/responses/404"},"503":{"$ref":"#/components/responses/503"}}}})"},
    });
}

} // namespace nectar::rest
