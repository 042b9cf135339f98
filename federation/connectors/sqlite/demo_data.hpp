#pragma once
// The embedded demo service of SPEC §1: a SQLite file with sample users, products and orders,
// so that a fresh Nectar answers `select * from demo.users` with nothing else running.

#include "protocol/error.hpp"

#include <string>

namespace nectar::federation {

/// Makes `<data_dir>/demo.db` (and `data_dir`) if absent and returns the file's path: 50 users,
/// 30 products and 500 orders with foreign keys, the same rows on every machine (fixed seed).
/// An existing file is left alone. Blocking; call it at start-up.
Result<std::string> ensure_demo_database(const std::string& data_dir);

} // namespace nectar::federation
