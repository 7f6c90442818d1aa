#pragma once
// The store's bounds on what it reads (store_limits.h), applied where runs are read and
// written; internal to core/store.
#include <cstdint>
#include <optional>
#include <string>

#include "core/store/run_records.h"
#include "core/store/store_error.h"

namespace depthscope::store {

class Connection;

// Throws DatabaseError naming `whose` ("run 3", "experiment 'x'") when a spec_json of
// `bytes` is over kMaxSpecJsonBytes.
void check_spec_size(const std::string& path, const std::string& whose, std::size_t bytes);

// `r` after check_spec_size on its spec_json.
RunRecord checked_run(Connection& conn, RunRecord r);

// After SQLite refused a value of the runs table as larger than kMaxValueBytes
// (SQLITE_TOOBIG), finds which column of which run (of `run` only, when given) it was and
// throws DatabaseError naming them. Returns for any other error.
void throw_if_oversized(Connection& conn, const DatabaseError& e, std::optional<std::int64_t> run);

}  // namespace depthscope::store
