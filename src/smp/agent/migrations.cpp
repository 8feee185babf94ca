#include "smp/agent/migrations.h"

#include <array>
#include <utility>

#include "smp/agent/migrations_internal.h"
#include "smp/common/try.h"

namespace smp::agent {

namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS migrations ("
    " name TEXT NOT NULL PRIMARY KEY,"
    " ts TEXT NOT NULL"
    ") WITHOUT ROWID";

// Whether the migrations table exists, as 0 or 1 (a Result<bool> cannot carry SMP_TRY's error).
Result<int> has_migrations_table(sqlite::Database& db) {
  SMP_TRY(auto st, db.cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?"));
  st->bind_all("migrations");
  SMP_TRY(bool row, st->step());
  return row ? 1 : 0;
}

// The migrations still to apply, or store_too_new when the recorded names are not a prefix
// of the known ones.
Result<std::span<const Migration>> pending(sqlite::Database& db,
                                           std::span<const Migration> migrations,
                                           const std::vector<std::string>& applied) {
  for (std::size_t i = 0; i < applied.size(); ++i) {
    if (i >= migrations.size())
      return db.fail(errc::store_too_new,
                     "the database has migration " + applied[i] + " unknown to this version");
    if (applied[i] != migrations[i].name)
      return db.fail(errc::store_too_new, "the database has migration " + applied[i] +
                                              " where this version expects " +
                                              std::string(migrations[i].name));
  }
  return migrations.subspan(applied.size());
}

}  // namespace

std::span<const Migration> agent_migrations() {
  static const std::array<Migration, 2> kMigrations{
      Migration{"0001_initial", detail::migration_0001_initial()},
      Migration{"0002_body_keys", detail::migration_0002_body_keys()},
  };
  return kMigrations;
}

Result<std::vector<std::string>> applied_migrations(sqlite::Database& db) {
  std::vector<std::string> names;
  SMP_TRY(int exists, has_migrations_table(db));
  if (!exists) return names;
  SMP_TRY(auto st, db.cached("SELECT name FROM migrations ORDER BY name"));
  for (;;) {
    SMP_TRY(bool row, st->step());
    if (!row) break;
    names.push_back(st->column_text(0));
  }
  return names;
}

Result<std::vector<std::string>> migrate(sqlite::Database& db,
                                         std::span<const Migration> migrations,
                                         enc::Timestamp now) {
  // A first look without the write lock: an up-to-date database is not written to.
  SMP_TRY(auto applied, applied_migrations(db));
  SMP_TRY(auto todo, pending(db, migrations, applied));
  if (todo.empty()) return std::vector<std::string>{};
  if (db.read_only())
    return db.fail(errc::wrong_state, "the database needs migrations and is opened read-only");
  SMP_TRY(std::string ts, enc::format_iso8601_millis(now));

  return sqlite::in_transaction(
      db, sqlite::TransactionMode::immediate, [&]() -> Result<std::vector<std::string>> {
        // Another process may have migrated the database since the first look.
        SMP_TRY_VOID(db.exec(kCreateTable));
        SMP_TRY(auto applied_now, applied_migrations(db));
        SMP_TRY(auto todo_now, pending(db, migrations, applied_now));
        std::vector<std::string> done;
        for (const Migration& m : todo_now) {
          SMP_TRY_VOID(db.exec(m.sql));
          SMP_TRY(auto st, db.cached("INSERT INTO migrations (name, ts) VALUES (?, ?)"));
          st->bind_all(m.name, ts);
          SMP_TRY_VOID(st->run());
          done.emplace_back(m.name);
        }
        return done;
      });
}

}  // namespace smp::agent
