#include "rest/relationships.hpp"

#include <algorithm>
#include <map>

namespace nectar::rest {

using namespace federation;

namespace {

const TableInfo* referenced_table(const ServiceTables& service, const ForeignKeyInfo& key) {
    const TableInfo* found = nullptr;
    for (const TableInfo& t : service.tables) {
        if (t.name == key.referenced_table && (found == nullptr || t.schema == key.referenced_schema)) {
            found = &t;
        }
    }
    return found;
}

bool same_table(const TableInfo* a, const TableInfo& b) {
    return a != nullptr && a->schema == b.schema && a->name == b.name;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) {
        out += (out.empty() ? "" : "_") + p;
    }
    return out;
}

/// The name a relationship takes when its plain name is shared (see relationships.hpp).
std::string disambiguated(const Relationship& r) {
    switch (r.kind) {
    case Relationship::Kind::belongs_to: {
        std::string name = joined(r.local_columns);
        if (r.local_columns.size() == 1 && name.size() > 3 && name.ends_with("_id")) {
            name.resize(name.size() - 3);
        }
        return name;
    }
    case Relationship::Kind::has_many:
        return r.target->name + "_by_" + joined(r.foreign_columns);
    case Relationship::Kind::many_to_many:
        return r.target->name + "_via_" + r.junction->name;
    }
    return r.name;
}

/// Renames relationships whose names are shared, marks those equal to a column of `table` (an
/// embedded relation is a key of the row's JSON object), then numbers what is still shared.
void make_names_unique(const TableInfo& table, std::vector<Relationship>& relationships) {
    std::map<std::string, int> uses;
    for (const Relationship& r : relationships) {
        uses[r.name]++;
    }
    for (Relationship& r : relationships) {
        if (uses[r.name] > 1) {
            r.name = disambiguated(r);
        }
        bool is_column = std::any_of(table.columns.begin(), table.columns.end(),
                                     [&](const ColumnInfo& c) { return c.name == r.name; });
        if (is_column) {
            r.name += "_rel";
        }
    }
    std::map<std::string, int> seen;
    for (Relationship& r : relationships) {
        int n = ++seen[r.name];
        if (n > 1) {
            r.name += "_" + std::to_string(n);
        }
    }
}

/// manyToMany relationships of `table` through `junction` (already known to be one).
void add_many_to_many(const ServiceTables& service, const TableInfo& table, const TableInfo& junction,
                      std::vector<Relationship>& out) {
    const ForeignKeyInfo& a = junction.foreign_keys[0];
    const ForeignKeyInfo& b = junction.foreign_keys[1];
    for (auto [near, far] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        const TableInfo* far_table = referenced_table(service, *far);
        if (!same_table(referenced_table(service, *near), table) || far_table == nullptr) {
            continue;
        }
        Relationship r;
        r.kind = Relationship::Kind::many_to_many;
        r.name = far_table->name;
        r.target = far_table;
        r.foreign_key = far->name;
        r.local_columns = near->referenced_columns;
        r.foreign_columns = far->referenced_columns;
        r.junction = &junction;
        r.junction_local_columns = near->columns;
        r.junction_foreign_columns = far->columns;
        out.push_back(std::move(r));
    }
}

void write_names(JsonWriter& w, const std::vector<std::string>& names) {
    w.begin_array();
    for (const std::string& n : names) {
        w.string(n);
    }
    w.end_array();
}

} // namespace

std::string_view kind_name(Relationship::Kind kind) {
    switch (kind) {
    case Relationship::Kind::belongs_to:
        return "belongsTo";
    case Relationship::Kind::has_many:
        return "hasMany";
    case Relationship::Kind::many_to_many:
        return "manyToMany";
    }
    return "";
}

bool is_junction(const TableInfo& table) {
    if (table.is_view || table.foreign_keys.size() != 2) {
        return false;
    }
    const ForeignKeyInfo& a = table.foreign_keys[0];
    const ForeignKeyInfo& b = table.foreign_keys[1];
    bool self = a.referenced_table == table.name || b.referenced_table == table.name;
    if (self || (a.referenced_table == b.referenced_table && a.referenced_schema == b.referenced_schema)) {
        return false;
    }
    auto in_key = [](const ForeignKeyInfo& k, const std::string& c) {
        return std::find(k.columns.begin(), k.columns.end(), c) != k.columns.end();
    };
    return std::all_of(table.columns.begin(), table.columns.end(), [&](const ColumnInfo& c) {
        return in_key(a, c.name) || in_key(b, c.name) || c.primary_key || c.default_value.has_value();
    });
}

std::vector<Relationship> relationships_of(const ServiceTables& service, const TableInfo& table) {
    std::vector<Relationship> out;
    for (const ForeignKeyInfo& key : table.foreign_keys) {
        const TableInfo* target = referenced_table(service, key);
        if (target == nullptr) {
            continue; // a key to another schema's table that discovery did not list
        }
        Relationship r;
        r.kind = Relationship::Kind::belongs_to;
        r.name = target->name;
        r.target = target;
        r.foreign_key = key.name;
        r.local_columns = key.columns;
        r.foreign_columns = key.referenced_columns;
        out.push_back(std::move(r));
    }
    for (const TableInfo& other : service.tables) {
        for (const ForeignKeyInfo& key : other.foreign_keys) {
            if (!same_table(referenced_table(service, key), table)) {
                continue;
            }
            Relationship r;
            r.kind = Relationship::Kind::has_many;
            r.name = other.name;
            r.target = &other;
            r.foreign_key = key.name;
            r.local_columns = key.referenced_columns;
            r.foreign_columns = key.columns;
            out.push_back(std::move(r));
        }
        if (is_junction(other)) {
            add_many_to_many(service, table, other, out);
        }
    }
    make_names_unique(table, out);
    return out;
}

void write_relationships(JsonWriter& w, const std::vector<Relationship>& relationships) {
    w.begin_array();
    for (const Relationship& r : relationships) {
        w.begin_object();
        w.key("name");
        w.string(r.name);
        w.key("type");
        w.string(kind_name(r.kind));
        w.key("schema");
        w.string(r.target->schema);
        w.key("table");
        w.string(r.target->name);
        w.key("localColumns");
        write_names(w, r.local_columns);
        w.key("foreignColumns");
        write_names(w, r.foreign_columns);
        w.key("foreignKey");
        w.string(r.foreign_key);
        if (r.junction != nullptr) {
            w.key("junction");
            w.string(r.junction->name);
            w.key("junctionLocalColumns");
            write_names(w, r.junction_local_columns);
            w.key("junctionForeignColumns");
            write_names(w, r.junction_foreign_columns);
        }
        w.end_object();
    }
    w.end_array();
}

} // namespace nectar::rest
