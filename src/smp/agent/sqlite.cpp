#include "smp/agent/sqlite.h"

#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <sqlite3.h>

namespace smp::agent::sqlite {

namespace detail {

struct CacheEntry {
  std::unique_ptr<Statement> stmt;
  bool in_use = false;
};

struct Connection {
  sqlite3* db = nullptr;
  bool read_only = false;
  std::size_t cache_capacity = 0;
  std::map<std::string, CacheEntry, std::less<>> cache;
  std::string last_error;

  ~Connection() {
    cache.clear();  // finalize before closing
    sqlite3_close_v2(db);
  }

  error_code fail(int rc) {
    last_error = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return sqlite_error(rc);
  }
};

}  // namespace detail

error_code sqlite_error(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_ROWID:
      return make_error_code(errc::already_exists);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return make_error_code(errc::not_found);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_MISMATCH:
    case SQLITE_FORMAT:
      return make_error_code(errc::store_corrupt);
    default:
      return make_error_code(errc::io_error);
  }
}

// ---- Statement ----

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& o) noexcept
    : stmt_(std::exchange(o.stmt_, nullptr)),
      conn_(std::exchange(o.conn_, nullptr)),
      bind_rc_(std::exchange(o.bind_rc_, SQLITE_OK)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(o.stmt_, nullptr);
    conn_ = std::exchange(o.conn_, nullptr);
    bind_rc_ = std::exchange(o.bind_rc_, SQLITE_OK);
  }
  return *this;
}

void Statement::check_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

error_code Statement::fail(int rc) {
  if (conn_ != nullptr) return conn_->fail(rc);
  return sqlite_error(rc);
}

void Statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::bind_text(int index, std::string_view value) {
  check_bind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::bind_blob(int index, ByteView value) {
  // A zero-length blob is still a blob (not NULL): SQLite needs a non-null pointer for that.
  static const std::uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT));
}

void Statement::bind_null(int index) { check_bind(sqlite3_bind_null(stmt_, index)); }

Result<bool> Statement::step() {
  // Result<bool> cannot be built implicitly from an error_code (bool is constructible from
  // one), hence the in_place_error.
  auto error = [](error_code ec) { return Result<bool>(boost::system::in_place_error, ec); };
  if (stmt_ == nullptr) return error(make_error_code(errc::io_error));
  if (bind_rc_ != SQLITE_OK) {
    if (conn_ != nullptr) conn_->last_error = sqlite3_errstr(bind_rc_);
    return error(sqlite_error(bind_rc_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error(fail(rc));
}

Result<void> Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return {};
  }
}

Result<void> Statement::step_row() {
  auto r = step();
  if (!r) return r.error();
  if (!*r) return make_error_code(errc::not_found);
  return {};
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

ByteView Statement::column_view(int index) const {
  // Ask for the pointer first, then the size (the order SQLite documents).
  const void* data = sqlite3_column_blob(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || n <= 0) return {};
  return ByteView(static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n));
}

std::string Statement::column_text(int index) const {
  const unsigned char* data = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
}

Bytes Statement::column_blob(int index) const { return to_bytes(column_view(index)); }

SecretBytes Statement::column_secret(int index) const { return SecretBytes(column_view(index)); }

void Statement::reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

// ---- CachedStatement ----

CachedStatement::CachedStatement(CachedStatement&& o) noexcept
    : owned_(std::move(o.owned_)),
      stmt_(o.in_use_ != nullptr ? o.stmt_ : &owned_),
      in_use_(std::exchange(o.in_use_, nullptr)) {
  o.stmt_ = nullptr;
}

CachedStatement::~CachedStatement() {
  if (in_use_ != nullptr) {
    stmt_->reset();
    *in_use_ = false;
  }
}

// ---- Database ----

namespace {

// Creates the file with mode 0600 when missing and narrows an existing one (and its WAL and
// shared-memory files, which SQLite creates with the database's mode) to its owner.
Result<void> prepare_private_file(const std::string& path, bool create) {
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return make_error_code(errno == ENOENT ? errc::not_found : errc::io_error);
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && (st.st_mode & 077) != 0) ok = ::fchmod(fd, st.st_mode & 0700) == 0;
  ::close(fd);
  if (!ok) return make_error_code(errc::io_error);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    if (::stat(side.c_str(), &st) == 0 && (st.st_mode & 077) != 0 &&
        ::chmod(side.c_str(), st.st_mode & 0700) != 0)
      return make_error_code(errc::io_error);
  }
  return {};
}

Result<std::string> query_text(Database& db, std::string_view sql) {
  auto st = db.prepare(sql);
  if (!st) return st.error();
  if (auto r = st->step_row(); !r) return r.error();
  return st->column_text(0);
}

Result<void> apply_pragmas(Database& db, const OpenOptions& options, bool memory) {
  if (auto r = db.exec("PRAGMA foreign_keys = ON"); !r) return r;
  auto fk = query_text(db, "PRAGMA foreign_keys");
  if (!fk) return fk.error();
  if (*fk != "1") return db.fail(errc::io_error, "SQLite built without foreign key support");
  if (!options.read_only) {
    auto mode = query_text(db, "PRAGMA journal_mode = WAL");
    if (!mode) return mode.error();
    if (*mode != "wal" && !memory)
      return db.fail(errc::io_error, "could not switch the database to WAL mode");
  }
  const char* sync = options.synchronous == Synchronous::full ? "PRAGMA synchronous = FULL"
                                                              : "PRAGMA synchronous = NORMAL";
  if (auto r = db.exec(sync); !r) return r;
  // Set either way: some builds (Debian's among them) turn it on by default.
  if (auto r = db.exec(options.secure_delete ? "PRAGMA secure_delete = ON"
                                             : "PRAGMA secure_delete = OFF");
      !r)
    return r;
  // Reads the schema, so a file that is not a database fails here rather than later.
  auto n = query_text(db, "SELECT count(*) FROM sqlite_schema");
  if (!n) return n.error();
  return {};
}

}  // namespace

Database::Database() = default;
Database::~Database() = default;
Database::Database(Database&& o) noexcept = default;
Database& Database::operator=(Database&& o) noexcept = default;
Database::Database(std::unique_ptr<detail::Connection> conn) : conn_(std::move(conn)) {}

Result<Database> Database::open(const std::filesystem::path& path, const OpenOptions& options) {
  std::string file = path.string();
  bool memory = file == ":memory:";
  if (!memory) {
    if (options.read_only) {
      struct stat st {};
      if (::stat(file.c_str(), &st) != 0)
        return make_error_code(errno == ENOENT ? errc::not_found : errc::io_error);
    } else if (auto r = prepare_private_file(file, options.create); !r) {
      return r.error();
    }
  }

  auto conn = std::make_unique<detail::Connection>();
  conn->read_only = options.read_only;
  conn->cache_capacity = options.statement_cache_capacity;
  int flags = (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
              SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (memory) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(file.c_str(), &conn->db, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) return conn->fail(rc);  // the handle is closed by ~Connection
  sqlite3_extended_result_codes(conn->db, 1);
  sqlite3_busy_timeout(conn->db, static_cast<int>(options.busy_timeout.count()));

  Database db(std::move(conn));
  if (auto r = apply_pragmas(db, options, memory); !r) return r.error();
  return db;
}

bool Database::is_open() const { return conn_ != nullptr && conn_->db != nullptr; }

bool Database::read_only() const { return conn_ != nullptr && conn_->read_only; }

sqlite3* Database::native_handle() const { return conn_ ? conn_->db : nullptr; }

Result<void> Database::exec(std::string_view sql) {
  if (!is_open()) return make_error_code(errc::io_error);
  std::string text(sql);
  int rc = sqlite3_exec(conn_->db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return conn_->fail(rc);
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  if (!is_open()) return make_error_code(errc::io_error);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(conn_->db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return conn_->fail(rc);
  if (stmt == nullptr) return fail(errc::io_error, "empty SQL statement");
  return Statement(stmt, conn_.get());
}

Result<CachedStatement> Database::cached(std::string_view sql) {
  if (!is_open()) return make_error_code(errc::io_error);
  auto it = conn_->cache.find(sql);
  if (it == conn_->cache.end() && conn_->cache.size() < conn_->cache_capacity) {
    auto st = prepare(sql);
    if (!st) return st.error();
    detail::CacheEntry entry{std::make_unique<Statement>(std::move(*st)), false};
    it = conn_->cache.emplace(std::string(sql), std::move(entry)).first;
  }
  if (it != conn_->cache.end() && !it->second.in_use) {
    it->second.in_use = true;
    return CachedStatement(it->second.stmt.get(), &it->second.in_use);
  }
  auto st = prepare(sql);
  if (!st) return st.error();
  return CachedStatement(std::move(*st));
}

std::int64_t Database::changes() const { return is_open() ? sqlite3_changes64(conn_->db) : 0; }

bool Database::in_transaction() const {
  return is_open() && sqlite3_get_autocommit(conn_->db) == 0;
}

const std::string& Database::last_error() const {
  static const std::string kNone;
  return conn_ ? conn_->last_error : kNone;
}

error_code Database::fail(errc e, std::string message) {
  if (conn_) conn_->last_error = std::move(message);
  return make_error_code(e);
}

Result<void> Database::close() {
  if (!conn_) return {};
  conn_->cache.clear();
  int rc = sqlite3_close_v2(conn_->db);
  conn_->db = nullptr;
  conn_.reset();
  if (rc != SQLITE_OK) return sqlite_error(rc);
  return {};
}

// ---- Transaction ----

namespace {
constexpr std::string_view kSavepoint = "SAVEPOINT smp_nested";
constexpr std::string_view kRelease = "RELEASE smp_nested";

// One statement without parameters, prepared once (every transaction begins and ends with
// one: parsing them each time was a visible share of a small transaction's cost).
Result<void> run_cached(Database& db, std::string_view sql) {
  auto st = db.cached(sql);
  if (!st) return st.error();
  return (*st)->run();
}
}  // namespace

Result<Transaction> Transaction::begin(Database& db, TransactionMode mode) {
  bool nested = db.in_transaction();
  std::string_view sql = nested                               ? kSavepoint
                         : mode == TransactionMode::immediate ? "BEGIN IMMEDIATE"
                                                              : "BEGIN";
  if (auto r = run_cached(db, sql); !r) return r.error();
  return Transaction(&db, nested);
}

Transaction::Transaction(Transaction&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), nested_(o.nested_) {}

Transaction::~Transaction() { rollback(); }

Result<void> Transaction::commit() {
  if (db_ == nullptr) return make_error_code(errc::wrong_state);
  // SQLite rolls a whole transaction back by itself after some failures (I/O, disk full);
  // committing then would silently apply nothing, so say so.
  if (!db_->in_transaction())
    return db_->fail(errc::io_error, "the transaction was rolled back by SQLite");
  if (auto r = run_cached(*db_, nested_ ? kRelease : "COMMIT"); !r) return r;
  db_ = nullptr;
  return {};
}

void Transaction::rollback() noexcept {
  if (db_ != nullptr && db_->in_transaction()) {
    // sqlite3_exec directly: no allocation here, and last_error keeps the failure that led to
    // the rollback.
    const char* sql = nested_ ? "ROLLBACK TO smp_nested; RELEASE smp_nested" : "ROLLBACK";
    sqlite3_exec(db_->native_handle(), sql, nullptr, nullptr, nullptr);
  }
  db_ = nullptr;
}

}  // namespace smp::agent::sqlite
