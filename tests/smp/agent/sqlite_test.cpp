#include "smp/agent/sqlite.h"

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "smp/agent/store_test_util.h"

namespace smp::agent::sqlite {
namespace {

using test::error_of;
using test::file_mode;
using test::TempDir;

Database open_db(const std::filesystem::path& path, OpenOptions options = {}) {
  auto db = Database::open(path, options);
  EXPECT_TRUE(db) << (db ? "" : db.error().message());
  return db ? std::move(*db) : Database();
}

std::string query_text(Database& db, std::string_view sql) {
  auto st = db.prepare(sql);
  EXPECT_TRUE(st);
  if (!st) return "<prepare failed>";
  auto row = st->step();
  EXPECT_TRUE(row && *row) << sql;
  return row && *row ? st->column_text(0) : "<no row>";
}

std::int64_t count_rows(Database& db, std::string_view table) {
  return std::stoll(query_text(db, "SELECT count(*) FROM " + std::string(table)));
}

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = open_db(dir_ / "test.db");
    ASSERT_TRUE(
        db_.exec("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
                 "CREATE TABLE c (id INTEGER NOT NULL REFERENCES p ON DELETE CASCADE,"
                 " v INTEGER CHECK (v >= 0));"
                 "CREATE TABLE t (a INTEGER, b TEXT, c BLOB, d);"));
  }

  void insert_p(std::int64_t id, std::string_view name) {
    auto st = db_.cached("INSERT INTO p (id, name) VALUES (?, ?)");
    ASSERT_TRUE(st);
    (*st)->bind_all(id, name);
    ASSERT_TRUE((*st)->run()) << db_.last_error();
  }

  TempDir dir_;
  Database db_;
};

TEST_F(SqliteTest, NewFileIsCreatedOwnerOnlyAndSoAreItsWalFiles) {
  EXPECT_EQ(file_mode(dir_ / "test.db"), 0600);
  insert_p(1, "a");  // the WAL and shared-memory files exist once something was written
  EXPECT_EQ(file_mode(dir_ / "test.db-wal"), 0600);
  EXPECT_EQ(file_mode(dir_ / "test.db-shm"), 0600);
}

TEST(SqliteOpen, ExistingWorldReadableFileIsNarrowedToOwner) {
  TempDir dir;
  { std::ofstream(dir / "old.db").flush(); }
  ASSERT_EQ(::chmod((dir / "old.db").c_str(), 0644), 0);
  ASSERT_EQ(file_mode(dir / "old.db"), 0644);
  Database db = open_db(dir / "old.db");
  EXPECT_TRUE(db.is_open());
  EXPECT_EQ(file_mode(dir / "old.db"), 0600);
}

TEST(SqliteOpen, MissingFileWithoutCreateIsNotFound) {
  TempDir dir;
  OpenOptions options;
  options.create = false;
  EXPECT_EQ(error_of(Database::open(dir / "absent.db", options)), errc::not_found);
  options.read_only = true;
  EXPECT_EQ(error_of(Database::open(dir / "absent.db", options)), errc::not_found);
  EXPECT_EQ(file_mode(dir / "absent.db"), -1);
}

TEST(SqliteOpen, MissingDirectoryIsNotFound) {
  TempDir dir;
  EXPECT_EQ(error_of(Database::open(dir / "no" / "such.db")), errc::not_found);
}

TEST(SqliteOpen, FileThatIsNotADatabaseIsStoreCorrupt) {
  TempDir dir;
  {
    std::ofstream out(dir / "junk.db", std::ios::binary);
    for (int i = 0; i < 64; ++i) out << "this is not an SQLite database file ";
  }
  EXPECT_EQ(error_of(Database::open(dir / "junk.db")), errc::store_corrupt);
}

TEST(SqliteOpen, PragmasAreApplied) {
  TempDir dir;
  OpenOptions options;
  options.busy_timeout = std::chrono::milliseconds(1234);
  Database db = open_db(dir / "a.db", options);
  EXPECT_EQ(query_text(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(query_text(db, "PRAGMA synchronous"), "1");  // NORMAL
  EXPECT_EQ(query_text(db, "PRAGMA busy_timeout"), "1234");
  EXPECT_EQ(query_text(db, "PRAGMA secure_delete"), "1");

  options.synchronous = Synchronous::full;
  options.secure_delete = false;
  Database full = open_db(dir / "b.db", options);
  EXPECT_EQ(query_text(full, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(query_text(full, "PRAGMA secure_delete"), "0");
}

TEST(SqliteOpen, InMemoryDatabaseWorks) {
  Database db = open_db(":memory:");
  ASSERT_TRUE(db.exec("CREATE TABLE x (a); INSERT INTO x VALUES (1);"));
  EXPECT_EQ(query_text(db, "SELECT a FROM x"), "1");
}

TEST_F(SqliteTest, BindAllAndColumnsRoundTrip) {
  auto ins = db_.prepare("INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(ins);
  Bytes blob{0, 1, 2, 0xff};
  ins->bind_all(std::int64_t{-5}, std::string("text\0with nul", 13), blob, std::nullopt);
  ASSERT_TRUE(ins->run());
  ins->reset();
  std::optional<std::int64_t> some = 7;
  ins->bind_all(some, "x", Bytes{}, nullptr);  // an empty blob stays a blob
  ASSERT_TRUE(ins->run());

  auto sel = db_.prepare("SELECT a, b, c, d, typeof(c) FROM t ORDER BY rowid");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->step().value());
  EXPECT_EQ(sel->column_int64(0), -5);
  EXPECT_EQ(sel->column_text(1), std::string("text\0with nul", 13));
  EXPECT_EQ(sel->column_blob(2), blob);
  EXPECT_EQ(sel->column_secret(2).view().size(), 4u);
  EXPECT_TRUE(sel->column_is_null(3));
  EXPECT_FALSE(sel->column_is_null(2));
  ASSERT_TRUE(sel->step().value());
  EXPECT_EQ(sel->column_int64(0), 7);
  EXPECT_TRUE(sel->column_blob(2).empty());
  EXPECT_EQ(sel->column_text(4), "blob");
  EXPECT_FALSE(sel->step().value());
}

TEST_F(SqliteTest, ConstraintViolationsMapToErrors) {
  insert_p(1, "a");
  auto st = db_.prepare("INSERT INTO p (id, name) VALUES (?, ?)");
  ASSERT_TRUE(st);
  st->bind_all(1, "b");
  EXPECT_EQ(error_of(st->run()), errc::already_exists);
  EXPECT_NE(db_.last_error().find("UNIQUE constraint failed"), std::string::npos)
      << db_.last_error();
  st->reset();
  st->bind_all(2, "a");  // unique name
  EXPECT_EQ(error_of(st->run()), errc::already_exists);

  auto child = db_.prepare("INSERT INTO c (id, v) VALUES (?, ?)");
  ASSERT_TRUE(child);
  child->bind_all(99, 1);  // no parent 99
  EXPECT_EQ(error_of(child->run()), errc::not_found);
  child->reset();
  child->bind_all(1, -1);  // CHECK
  EXPECT_EQ(error_of(child->run()), errc::store_corrupt);
  EXPECT_EQ(count_rows(db_, "c"), 0);
}

TEST_F(SqliteTest, ForeignKeysCascade) {
  insert_p(1, "a");
  ASSERT_TRUE(db_.exec("INSERT INTO c (id, v) VALUES (1, 1), (1, 2)"));
  EXPECT_EQ(count_rows(db_, "c"), 2);
  ASSERT_TRUE(db_.exec("DELETE FROM p WHERE id = 1"));
  EXPECT_EQ(count_rows(db_, "c"), 0);
}

TEST_F(SqliteTest, BadBindIndexIsReportedByStep) {
  auto st = db_.prepare("SELECT ?");
  ASSERT_TRUE(st);
  st->bind_int64(2, 1);
  EXPECT_EQ(error_of(st->step()), errc::io_error);
  st->reset();  // forgets the sticky error
  st->bind_int64(1, 42);
  ASSERT_TRUE(st->step().value());
  EXPECT_EQ(st->column_int64(0), 42);
}

TEST_F(SqliteTest, SyntaxErrorFailsToPrepare) {
  EXPECT_EQ(error_of(db_.prepare("SELEC 1")), errc::io_error);
  EXPECT_NE(db_.last_error().find("syntax error"), std::string::npos) << db_.last_error();
  EXPECT_EQ(error_of(db_.prepare("")), errc::io_error);
  EXPECT_EQ(error_of(db_.exec("NOT SQL")), errc::io_error);
}

TEST_F(SqliteTest, StepRowWithoutRowIsNotFound) {
  auto st = db_.prepare("SELECT name FROM p WHERE id = 5");
  ASSERT_TRUE(st);
  EXPECT_EQ(error_of(st->step_row()), errc::not_found);
}

TEST_F(SqliteTest, CachedStatementIsReusedResetAndCleared) {
  insert_p(1, "a");
  insert_p(2, "b");
  sqlite3_stmt* first = nullptr;
  {
    auto st = db_.cached("SELECT ?, name FROM p ORDER BY id");
    ASSERT_TRUE(st);
    first = (*st)->native_handle();
    (*st)->bind_all(5);
    ASSERT_TRUE((*st)->step().value());  // left mid-way: returning it must reset it
    EXPECT_EQ((*st)->column_int64(0), 5);
  }
  auto st = db_.cached("SELECT ?, name FROM p ORDER BY id");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)->native_handle(), first);
  ASSERT_TRUE((*st)->step().value());
  EXPECT_TRUE((*st)->column_is_null(0));  // the binding was cleared
  EXPECT_EQ((*st)->column_text(1), "a");  // and it starts from the first row again
}

TEST_F(SqliteTest, CachedStatementInUseGivesAnotherOne) {
  insert_p(1, "a");
  auto outer = db_.cached("SELECT name FROM p");
  ASSERT_TRUE(outer);
  ASSERT_TRUE((*outer)->step().value());
  auto inner = db_.cached("SELECT name FROM p");
  ASSERT_TRUE(inner);
  EXPECT_NE((*inner)->native_handle(), (*outer)->native_handle());
  ASSERT_TRUE((*inner)->step().value());
  EXPECT_EQ((*inner)->column_text(0), "a");
  EXPECT_EQ((*outer)->column_text(0), "a");
}

TEST(SqliteCache, ZeroCapacityStillWorks) {
  OpenOptions options;
  options.statement_cache_capacity = 0;
  Database db = open_db(":memory:", options);
  for (int i = 0; i < 3; ++i) {
    auto st = db.cached("SELECT 1");
    ASSERT_TRUE(st);
    ASSERT_TRUE((*st)->step().value());
  }
}

TEST_F(SqliteTest, MovedCachedStatementIsReturnedOnce) {
  auto a = db_.cached("SELECT 1");
  ASSERT_TRUE(a);
  sqlite3_stmt* handle = (*a)->native_handle();
  {
    CachedStatement b = std::move(*a);
    EXPECT_EQ(b->native_handle(), handle);
  }
  auto c = db_.cached("SELECT 1");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->native_handle(), handle);  // b returned it; a did not hold it any more
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  {
    auto tx = Transaction::begin(db_, TransactionMode::immediate);
    ASSERT_TRUE(tx);
    EXPECT_TRUE(db_.in_transaction());
    insert_p(1, "a");
  }
  EXPECT_FALSE(db_.in_transaction());
  EXPECT_EQ(count_rows(db_, "p"), 0);
  {
    auto tx = Transaction::begin(db_, TransactionMode::immediate);
    ASSERT_TRUE(tx);
    insert_p(1, "a");
    ASSERT_TRUE(tx->commit());
    EXPECT_EQ(error_of(tx->commit()), errc::wrong_state);  // only once
  }
  EXPECT_EQ(count_rows(db_, "p"), 1);
}

TEST_F(SqliteTest, InTransactionRollsBackOnErrorAndOnException) {
  auto failed = in_transaction(db_, TransactionMode::immediate, [&]() -> Result<int> {
    insert_p(1, "a");
    return make_error_code(errc::bad_syntax);
  });
  EXPECT_EQ(error_of(failed), errc::bad_syntax);
  EXPECT_EQ(count_rows(db_, "p"), 0);

  EXPECT_THROW(in_transaction(db_, TransactionMode::immediate,
                              [&]() -> Result<int> {
                                insert_p(1, "a");
                                throw std::runtime_error("boom");
                              }),
               std::runtime_error);
  EXPECT_FALSE(db_.in_transaction());
  EXPECT_EQ(count_rows(db_, "p"), 0);

  auto ok = in_transaction(db_, TransactionMode::immediate, [&]() -> Result<int> {
    insert_p(1, "a");
    return 5;
  });
  EXPECT_EQ(ok.value(), 5);
  EXPECT_EQ(count_rows(db_, "p"), 1);
}

TEST_F(SqliteTest, NestedTransactionsAreSavepoints) {
  {
    auto outer = Transaction::begin(db_, TransactionMode::immediate);
    ASSERT_TRUE(outer);
    insert_p(1, "a");
    {
      auto inner = Transaction::begin(db_, TransactionMode::immediate);
      ASSERT_TRUE(inner);
      insert_p(2, "b");
    }  // rolled back to the savepoint only
    EXPECT_TRUE(db_.in_transaction());
    {
      auto inner = Transaction::begin(db_, TransactionMode::immediate);
      ASSERT_TRUE(inner);
      insert_p(3, "c");
      ASSERT_TRUE(inner->commit());
    }
    ASSERT_TRUE(outer->commit());
  }
  EXPECT_EQ(query_text(db_, "SELECT group_concat(id) FROM (SELECT id FROM p ORDER BY id)"), "1,3");

  {
    auto outer = Transaction::begin(db_, TransactionMode::immediate);
    ASSERT_TRUE(outer);
    auto inner = Transaction::begin(db_, TransactionMode::immediate);
    ASSERT_TRUE(inner);
    insert_p(4, "d");
    ASSERT_TRUE(inner->commit());
  }  // the outer rollback undoes the released savepoint too
  EXPECT_EQ(count_rows(db_, "p"), 2);
}

TEST_F(SqliteTest, WriterWaitsForTheLockUpToBusyTimeout) {
  OpenOptions options;
  options.busy_timeout = std::chrono::milliseconds(100);
  Database other = open_db(dir_ / "test.db", options);
  auto held = Transaction::begin(db_, TransactionMode::immediate);
  ASSERT_TRUE(held);

  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of(Transaction::begin(other, TransactionMode::immediate)), errc::io_error);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
  EXPECT_NE(other.last_error().find("locked"), std::string::npos) << other.last_error();

  // With a longer timeout the second writer gets the lock once the first commits.
  options.busy_timeout = std::chrono::milliseconds(5000);
  Database patient = open_db(dir_ / "test.db", options);
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    insert_p(1, "a");
    ASSERT_TRUE(held->commit());
  });
  auto tx = Transaction::begin(patient, TransactionMode::immediate);
  releaser.join();
  ASSERT_TRUE(tx) << patient.last_error();
  EXPECT_EQ(count_rows(patient, "p"), 1);
}

TEST_F(SqliteTest, ReadOnlyConnectionRefusesWrites) {
  insert_p(1, "a");
  OpenOptions options;
  options.read_only = true;
  Database ro = open_db(dir_ / "test.db", options);
  EXPECT_TRUE(ro.read_only());
  EXPECT_EQ(count_rows(ro, "p"), 1);
  EXPECT_EQ(error_of(ro.exec("INSERT INTO p (id, name) VALUES (2, 'b')")), errc::io_error);
  auto tx = Transaction::begin(ro, TransactionMode::deferred);
  ASSERT_TRUE(tx);
  EXPECT_EQ(error_of(ro.exec("DELETE FROM p")), errc::io_error);
}

TEST_F(SqliteTest, ClosedOrMovedFromDatabaseFailsCleanly) {
  Database moved = std::move(db_);
  EXPECT_FALSE(db_.is_open());
  EXPECT_EQ(error_of(db_.exec("SELECT 1")), errc::io_error);
  EXPECT_EQ(error_of(db_.prepare("SELECT 1")), errc::io_error);
  EXPECT_EQ(error_of(db_.cached("SELECT 1")), errc::io_error);
  EXPECT_TRUE(moved.is_open());
  {
    auto cached = moved.cached("SELECT 1");  // stays in the cache; close() finalizes it
    ASSERT_TRUE(cached);
  }
  EXPECT_TRUE(moved.close());
  EXPECT_FALSE(moved.is_open());
  EXPECT_EQ(error_of(moved.exec("SELECT 1")), errc::io_error);
  Statement empty;
  EXPECT_EQ(error_of(empty.step()), errc::io_error);
}

TEST(SqliteError, ResultCodesMapToStoreErrors) {
  EXPECT_EQ(sqlite_error(SQLITE_CONSTRAINT_PRIMARYKEY), make_error_code(errc::already_exists));
  EXPECT_EQ(sqlite_error(SQLITE_CONSTRAINT_UNIQUE), make_error_code(errc::already_exists));
  EXPECT_EQ(sqlite_error(SQLITE_CONSTRAINT_FOREIGNKEY), make_error_code(errc::not_found));
  EXPECT_EQ(sqlite_error(SQLITE_CONSTRAINT_NOTNULL), make_error_code(errc::store_corrupt));
  EXPECT_EQ(sqlite_error(SQLITE_CORRUPT), make_error_code(errc::store_corrupt));
  EXPECT_EQ(sqlite_error(SQLITE_NOTADB), make_error_code(errc::store_corrupt));
  EXPECT_EQ(sqlite_error(SQLITE_BUSY), make_error_code(errc::io_error));
  EXPECT_EQ(sqlite_error(SQLITE_IOERR_WRITE), make_error_code(errc::io_error));
  EXPECT_EQ(sqlite_error(SQLITE_FULL), make_error_code(errc::io_error));
}

}  // namespace
}  // namespace smp::agent::sqlite
