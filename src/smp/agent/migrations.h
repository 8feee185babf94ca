// Schema migrations of the agent's SQLite store (spec §7.12). Each migration is a numbered
// SQL script kept in the repository (migrations_NNNN_*.cpp); the names applied are recorded
// in the table migrations(name, ts). migrate() runs the pending ones in order inside one
// IMMEDIATE transaction, so a failed script leaves the database as it was; a database that
// records a migration this build does not know is refused (errc::store_too_new).
// Pure data plus functions on a caller-owned Database; not thread-safe (as the Database).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smp/agent/sqlite.h"
#include "smp/common/error.h"
#include "smp/encoding/iso8601.h"

namespace smp::agent {

struct Migration {
  std::string_view name;  // "0001_initial"; names sort in the order they apply
  std::string_view sql;   // one or more statements, no BEGIN / COMMIT
};

// The agent's migrations, oldest first.
std::span<const Migration> agent_migrations();

// Names recorded in the database, in order; empty for a new database.
Result<std::vector<std::string>> applied_migrations(sqlite::Database& db);

// Applies the migrations of `migrations` that the database lacks, recording each with `now`,
// and returns their names (empty when the database is up to date, in which case nothing is
// written). The recorded names must be a prefix of `migrations`:
//   errc::store_too_new  the database records a name that `migrations` lacks, or one out of
//                        order (last_error() names it);
//   errc::wrong_state    migrations are pending and the database is read-only;
//   errors of the failing script (the transaction is rolled back).
Result<std::vector<std::string>> migrate(sqlite::Database& db,
                                         std::span<const Migration> migrations, enc::Timestamp now);

}  // namespace smp::agent
