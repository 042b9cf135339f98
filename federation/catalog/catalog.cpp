#include "federation/catalog/catalog.hpp"

#include <algorithm>
#include <cctype>

namespace nectar::federation {

const TableInfo* ServiceTables::find_table(std::string_view name) const {
    const TableInfo* found = nullptr;
    for (const TableInfo& t : tables) {
        if (t.name == name && (found == nullptr || t.schema == default_schema)) {
            found = &t;
        }
    }
    return found;
}

namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

/// Exact name first (PostgreSQL folds unquoted names to lower case), then a unique
/// case-insensitive match (MySQL and SQLite tables are often MixedCase).
const TableInfo* find_table(const ServiceTables& st, std::string_view schema, std::string_view name) {
    const TableInfo* loose = nullptr;
    int loose_matches = 0;
    for (const TableInfo& t : st.tables) {
        bool schema_ok = schema.empty() ? t.schema == st.default_schema || st.default_schema.empty()
                                        : equals_ignore_case(t.schema, schema);
        if (!schema_ok) {
            continue;
        }
        if (t.name == name && (schema.empty() || t.schema == schema)) {
            return &t;
        }
        if (equals_ignore_case(t.name, name)) {
            loose = &t;
            loose_matches++;
        }
    }
    return loose_matches == 1 ? loose : nullptr;
}

std::string joined(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) {
        s += (s.empty() ? "" : ".") + n;
    }
    return s;
}

} // namespace

void Catalog::add_service(std::string name, std::shared_ptr<const ServiceTables> tables) {
    services_[std::move(name)] = std::move(tables);
}

bool Catalog::has_service(std::string_view name) const { return services_.find(name) != services_.end(); }

const ServiceTables* Catalog::service(std::string_view name) const {
    auto it = services_.find(name);
    return it == services_.end() ? nullptr : it->second.get();
}

Result<ResolvedTable> Catalog::resolve(const std::vector<std::string>& names, std::string_view default_service) const {
    std::string service, schema, table;
    if (names.size() == 3) {
        service = names[0], schema = names[1], table = names[2];
    } else if (names.size() == 2 && has_service(names[0])) {
        service = names[0], table = names[1];
    } else if (names.size() == 2) {
        service = default_service, schema = names[0], table = names[1];
    } else if (names.size() == 1) {
        service = default_service, table = names[0];
    } else {
        return Error::make("42601", "improper qualified name (too many dotted names): " + joined(names));
    }
    const ServiceTables* st = this->service(service);
    if (st == nullptr) {
        if (names.size() == 3) {
            return Error::make("3D000", "service \"" + service + "\" does not exist");
        }
        return Error::make("42P01", "relation \"" + joined(names) + "\" does not exist");
    }
    if (st->unavailable) {
        return *st->unavailable;
    }
    const TableInfo* t = find_table(*st, schema, table);
    if (t == nullptr) {
        return Error::make("42P01", "relation \"" + joined(names) + "\" does not exist");
    }
    return ResolvedTable{service, t};
}

std::shared_ptr<const ServiceTables> CatalogCache::get(const std::string& service) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(service);
    if (it == entries_.end() || std::chrono::steady_clock::now() - it->second.discovered > max_age_) {
        return nullptr;
    }
    return it->second.tables;
}

CatalogCache::Lookup CatalogCache::lookup(const std::string& service) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(service);
    if (it == entries_.end()) {
        return {};
    }
    Entry& e = it->second;
    const auto now = std::chrono::steady_clock::now();
    // A refresher that never reported back (its statement was dropped) is replaced after a while.
    bool abandoned = e.refreshing && now - e.refresh_started > std::chrono::seconds(30);
    bool refresh = (!e.refreshing || abandoned) && now - e.discovered > max_age_;
    if (refresh) {
        e.refreshing = true;
        e.refresh_started = now;
    }
    return {e.tables, refresh};
}

void CatalogCache::refresh_failed(const std::string& service) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(service);
    if (it != entries_.end()) {
        it->second.discovered = std::chrono::steady_clock::now();
        it->second.refreshing = false;
    }
}

void CatalogCache::put(const std::string& service, ServiceTables tables) {
    auto snapshot = std::make_shared<const ServiceTables>(std::move(tables));
    std::lock_guard lock(mutex_);
    entries_[service] = Entry{std::move(snapshot), std::chrono::steady_clock::now()};
}

void CatalogCache::invalidate(const std::string& service) {
    std::lock_guard lock(mutex_);
    entries_.erase(service);
}

void CatalogCache::invalidate_all() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

} // namespace nectar::federation
