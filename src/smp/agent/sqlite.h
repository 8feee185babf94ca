// A thin RAII layer over the SQLite C API for the agent's store: Database (one connection,
// closed with sqlite3_close_v2), Statement (finalized on destruction), a small cache of
// prepared statements handed out as leases (reset and cleared on return), and Transaction
// (rolled back unless commit() ran; nested ones are savepoints).
// SQLite failures become errc values (see sqlite_error); the text of the last failure is kept
// on the Database and never contains bound values. Not thread-safe: one Database per thread;
// a Statement must not outlive the Database it came from.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace smp::agent::sqlite {

// PRAGMA synchronous. In WAL mode `normal` syncs only at checkpoints: a committed transaction
// survives a crash of the process but the last few may be lost on power failure or an OS crash
// (the database stays consistent) unless the WAL is synced afterwards (WalSync,
// sqlite_wal_sync.h). `full` syncs the WAL at every commit: durable across power loss, at the
// cost of one fsync per transaction.
enum class Synchronous { normal, full };

struct OpenOptions {
  // Create the file (mode 0600) when it does not exist; otherwise errc::not_found.
  bool create = true;
  // Open read-only (no pragmas that write; transactions must be deferred).
  bool read_only = false;
  Synchronous synchronous = Synchronous::normal;
  // How long a statement waits for another connection's lock before failing with io_error.
  std::chrono::milliseconds busy_timeout{5000};
  // PRAGMA secure_delete: deleted rows (used message keys, cleared X3DH keys) are overwritten
  // with zeros in the file instead of lingering in free pages. Costs some extra writes.
  bool secure_delete = true;
  // How many distinct SQL texts Database::cached keeps prepared.
  std::size_t statement_cache_capacity = 64;
  // The name of a registered SQLite VFS to open the file with; empty for SQLite's default.
  // An unknown name fails the open with errc::io_error.
  std::string vfs;
};

// Maps a SQLite result code (extended codes included) to our errors:
//   PRIMARYKEY / UNIQUE constraint         → errc::already_exists
//   FOREIGNKEY constraint                  → errc::not_found (the referenced row is absent)
//   other constraints, CORRUPT, NOTADB, MISMATCH, FORMAT → errc::store_corrupt
//   anything else (BUSY, IOERR, FULL, CANTOPEN, READONLY, NOMEM, MISUSE, ...) → errc::io_error
error_code sqlite_error(int rc);

namespace detail {
struct Connection;
}

// A prepared statement. Move-only; a moved-from or default Statement is empty.
// Bind indices are 1-based, column indices 0-based (as in SQLite). Bind errors are sticky and
// reported by the next step(); text and blobs are copied by SQLite at bind time.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }

  void bind_int64(int index, std::int64_t value);
  void bind_text(int index, std::string_view value);
  void bind_blob(int index, ByteView value);
  void bind_null(int index);

  // Binds args to parameters 1, 2, ...: integers as int64, strings as text, Bytes / ByteView /
  // SecretBytes as blobs, nullptr / nullopt as NULL, std::optional<T> as NULL or T.
  template <class... Args>
  void bind_all(const Args&... args) {
    int index = 0;
    (bind_value(++index, args), ...);
  }

  // Runs the statement one step: true when a row is available, false when done.
  Result<bool> step();
  // Steps to completion, discarding any rows.
  Result<void> run();
  // Steps once and expects a row: errc::not_found when there is none.
  Result<void> step_row();

  // Columns of the current row. A NULL reads as 0 / empty.
  bool column_is_null(int index) const;
  std::int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  SecretBytes column_secret(int index) const;
  // Valid until the next step(), reset() or destruction.
  ByteView column_view(int index) const;

  // Back to the start, with every binding cleared and the sticky error forgotten.
  void reset();

  sqlite3_stmt* native_handle() const { return stmt_; }

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, detail::Connection* conn) : stmt_(stmt), conn_(conn) {}

  template <std::integral T>
  void bind_value(int i, T v) {
    bind_int64(i, static_cast<std::int64_t>(v));
  }
  void bind_value(int i, std::string_view v) { bind_text(i, v); }
  void bind_value(int i, const std::string& v) { bind_text(i, v); }
  void bind_value(int i, const char* v) { bind_text(i, v); }
  void bind_value(int i, ByteView v) { bind_blob(i, v); }
  void bind_value(int i, const Bytes& v) { bind_blob(i, v); }
  void bind_value(int i, const SecretBytes& v) { bind_blob(i, v.view()); }
  void bind_value(int i, std::nullptr_t) { bind_null(i); }
  void bind_value(int i, std::nullopt_t) { bind_null(i); }
  template <class T>
  void bind_value(int i, const std::optional<T>& v) {
    if (v)
      bind_value(i, *v);
    else
      bind_null(i);
  }
  void check_bind(int rc);
  error_code fail(int rc);

  sqlite3_stmt* stmt_ = nullptr;
  detail::Connection* conn_ = nullptr;
  int bind_rc_ = 0;  // first failed bind (SQLITE_OK when none)
};

// A statement borrowed from Database::cached. On destruction it is reset and returned to the
// cache (or finalized, when it was prepared outside the cache). Move-only.
class CachedStatement {
 public:
  CachedStatement(CachedStatement&& o) noexcept;
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  Statement& operator*() { return *stmt_; }
  Statement* operator->() { return stmt_; }

 private:
  friend class Database;
  CachedStatement(Statement* cached, bool* in_use) : stmt_(cached), in_use_(in_use) {}
  explicit CachedStatement(Statement owned)
      : owned_(std::move(owned)), stmt_(&owned_), in_use_(nullptr) {}

  Statement owned_;
  Statement* stmt_;
  bool* in_use_;  // the cache entry's flag, or nullptr for an owned statement
};

// One SQLite connection. Move-only; a moved-from Database is closed.
class Database {
 public:
  // Opens (and, with options.create, creates) the file at `path`, then sets
  //   foreign_keys = ON, journal_mode = WAL, synchronous, busy_timeout, secure_delete.
  // A new file is created with mode 0600; an existing one readable by group or others is
  // narrowed to 0600 (with its -wal and -shm files), since it holds private keys.
  // ":memory:" opens a private in-memory database. Errors: errc::not_found (missing file
  // without create), errc::io_error, errc::store_corrupt (not a database).
  static Result<Database> open(const std::filesystem::path& path, const OpenOptions& options = {});

  Database();
  ~Database();
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  bool is_open() const;
  bool read_only() const;

  // Runs one or more SQL statements with no parameters (pragmas, migrations).
  Result<void> exec(std::string_view sql);
  // A new statement owned by the caller.
  Result<Statement> prepare(std::string_view sql);
  // A statement from the cache, ready to bind. If this SQL's cached statement is in use (a
  // nested call) or the cache is full, a fresh one is prepared and finalized after use.
  Result<CachedStatement> cached(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  // True inside BEGIN ... COMMIT.
  bool in_transaction() const;

  // The text of the last failure (SQLite's message or one recorded with fail()).
  const std::string& last_error() const;
  // Records `message` as the last failure and returns e, for errors found above SQLite.
  error_code fail(errc e, std::string message);

  // Closes now (the destructor does the same, ignoring the result).
  // REQUIRES: no CachedStatement of this Database is alive (here or at destruction).
  Result<void> close();

  sqlite3* native_handle() const;

 private:
  explicit Database(std::unique_ptr<detail::Connection> conn);
  std::unique_ptr<detail::Connection> conn_;
};

enum class TransactionMode {
  deferred,   // BEGIN: takes locks as statements need them (reads)
  immediate,  // BEGIN IMMEDIATE: takes the write lock now, waiting up to busy_timeout
};

// Rolls back on destruction unless commit() ran. Begun inside another transaction it is a
// SAVEPOINT: commit() releases it, destruction rolls back to it; it takes no lock of its own,
// so a write nested in a deferred (reading) transaction may fail with io_error while another
// connection writes. Move-only; the Database must outlive it.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db, TransactionMode mode);

  Transaction(Transaction&& o) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  Transaction(Database* db, bool nested) : db_(db), nested_(nested) {}
  void rollback() noexcept;

  Database* db_;
  bool nested_;
};

// Runs f() inside a transaction, committing when it returns a value and rolling back when it
// returns an error or throws. f returns Result<T>.
template <class F>
auto in_transaction(Database& db, TransactionMode mode, F&& f) -> decltype(f()) {
  auto tx = Transaction::begin(db, mode);
  if (!tx) return tx.error();
  auto r = f();
  if (!r) return r;
  if (auto c = tx->commit(); !c) return c.error();
  return r;
}

}  // namespace smp::agent::sqlite
