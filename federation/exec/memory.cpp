// The per-query memory budget: operators that hold rows count them here.

#include "federation/exec/operators.hpp"

#include <string>

namespace nectar::federation {

Result<void> ExecContext::reserve(size_t bytes) {
    if (memory_used_bytes + bytes > memory_limit_bytes) {
        auto e = Error::make("53200", "out of memory");
        e.detail = "Query needs more than " + std::to_string(memory_limit_bytes >> 20) +
                   " MB of memory in Nectar (memory limit per query)";
        return e;
    }
    memory_used_bytes += bytes;
    return {};
}

namespace exec {

size_t row_bytes(const Row& row) {
    size_t bytes = sizeof(Row) + row.capacity() * sizeof(Value);
    for (const auto& v : row) {
        // Short strings live inside the Value (small-string buffer); only longer ones allocate.
        const auto& s = v.as_string();
        if (s.capacity() > sizeof(std::string) - 1)
            bytes += s.capacity() + 1;
    }
    return bytes;
}

} // namespace exec
} // namespace nectar::federation
