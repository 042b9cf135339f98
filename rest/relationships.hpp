#pragma once
// Relationships between a service's tables, derived from the discovered foreign keys (SPEC §5
// `_discover`, `_schema`, `include=`):
//   belongsTo   this table has the foreign key (embedded as one object or null);
//   hasMany     another table's foreign key references this one (embedded as an array);
//   manyToMany  through a junction table (embedded as an array of the far table's rows).
// A junction table has exactly two foreign keys, to two different tables other than itself, and
// little else: every column outside both keys is in its primary key or has a default (a
// surrogate id, a created_at). A junction between a table and itself is not a manyToMany.
// Names: the related table's name; where two relationships of a table would share a name, the
// name says which key: belongsTo the key's column without "_id" ("manager" for manager_id),
// hasMany "<table>_by_<columns>", manyToMany "<table>_via_<junction>". A name equal to one of
// the table's columns takes "_rel" (column "author" referencing authors, next to "editor": the
// relationship "author_rel"), so an embedded relation never hides a column. "_2", "_3"... last.

#include "federation/catalog/catalog.hpp"
#include "rest/json_writer.hpp"

#include <string>
#include <vector>

namespace nectar::rest {

struct Relationship {
    enum class Kind { belongs_to, has_many, many_to_many };
    Kind kind = Kind::belongs_to;
    std::string name;                      ///< what include= and fields=name.col use
    const federation::TableInfo* target = nullptr; ///< the related table
    std::string foreign_key;               ///< the constraint (the junction's key to target for manyToMany)
    std::vector<std::string> local_columns;   ///< of this table...
    std::vector<std::string> foreign_columns; ///< ...equal to these of target, pairwise
    const federation::TableInfo* junction = nullptr; ///< manyToMany only:
    std::vector<std::string> junction_local_columns;   ///< junction columns equal to local_columns
    std::vector<std::string> junction_foreign_columns; ///< junction columns equal to foreign_columns
};

/// "belongsTo", "hasMany", "manyToMany".
std::string_view kind_name(Relationship::Kind kind);

/// The relationships of `table` (one of `service`'s tables), named uniquely.
std::vector<Relationship> relationships_of(const federation::ServiceTables& service,
                                           const federation::TableInfo& table);

/// Whether `table` is a junction table by the rule above.
bool is_junction(const federation::TableInfo& table);

/// The relationships as a JSON array: {name, type, table, schema, localColumns, foreignColumns,
/// foreignKey[, junction, junctionLocalColumns, junctionForeignColumns]}.
void write_relationships(JsonWriter& w, const std::vector<Relationship>& relationships);

} // namespace nectar::rest
