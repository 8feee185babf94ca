// WalSync over PowerLossVfs: a commit of a WAL database with synchronous = NORMAL is not on
// disk until the WAL is synced; one sync through the second handle puts every commit before it
// there, which a power loss then keeps.
#include "smp/agent/sqlite_wal_sync.h"

#include <string>

#include <gtest/gtest.h>

#include "smp/agent/store_test_util.h"
#include "support/power_loss_vfs.h"

namespace smp::agent::sqlite {
namespace {

using test::TempDir;
using smp::test::PowerLossVfs;

std::int64_t count_rows(Database& db) {
  auto st = db.prepare("SELECT count(*) FROM t");
  EXPECT_TRUE(st);
  if (!st || !st->step_row()) return -1;
  return st->column_int64(0);
}

void insert(Database& db, int v) {
  ASSERT_TRUE(db.exec("INSERT INTO t (v) VALUES (" + std::to_string(v) + ")")) << db.last_error();
}

class WalSyncTest : public ::testing::Test {
 protected:
  Database open_db() {
    OpenOptions o;
    o.vfs = vfs_.name();
    auto db = Database::open(dir_ / "test.db", o);
    EXPECT_TRUE(db) << (db ? "" : db.error().message());
    return db ? std::move(*db) : Database();
  }
  // Rows on disk after a power loss (every file of the VFS closed first).
  std::int64_t rows_after_power_loss() {
    vfs_.lose_power();
    Database db = open_db();
    return count_rows(db);
  }

  TempDir dir_;
  PowerLossVfs vfs_{"wal-sync-test"};
};

TEST_F(WalSyncTest, CommitsAreOnDiskOnlyOnceTheWalIsSynced) {
  {
    Database db = open_db();
    ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)"));
    insert(db, 1);
    auto wal = WalSync::open(db);  // syncs once: the table and row 1
    ASSERT_TRUE(wal) << wal.error().message();
    insert(db, 2);
    insert(db, 3);
    EXPECT_EQ(count_rows(db), 3);
    // The power goes before anything syncs again (closing would checkpoint).
    vfs_.fail_syncs_from(vfs_.syncs() + 1);
  }
  EXPECT_EQ(rows_after_power_loss(), 1);

  {
    Database db = open_db();
    auto wal = WalSync::open(db);
    ASSERT_TRUE(wal);
    // The first frame of a new WAL makes SQLite sync its header (with synchronous = NORMAL
    // too); frames after it are not synced.
    insert(db, 4);
    const auto before = vfs_.syncs();
    insert(db, 5);
    insert(db, 6);
    EXPECT_EQ(vfs_.syncs(), before);
    ASSERT_TRUE(wal->sync());  // one sync for all three commits
    EXPECT_EQ(vfs_.syncs(), before + 1);
    insert(db, 7);  // after the sync: not on disk
    vfs_.fail_syncs_from(vfs_.syncs() + 1);
  }
  EXPECT_EQ(rows_after_power_loss(), 4);
}

TEST_F(WalSyncTest, AFailedSyncIsAnIoError) {
  Database db = open_db();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)"));
  auto wal = WalSync::open(db);
  ASSERT_TRUE(wal);
  insert(db, 1);
  vfs_.fail_one_sync(vfs_.syncs() + 1);
  EXPECT_EQ(wal->sync().error(), make_error_code(errc::io_error));
  EXPECT_TRUE(wal->sync());
}

TEST(WalSyncOpen, InMemoryAndReadOnlyDatabasesHaveNothingToSync) {
  auto memory = Database::open(":memory:");
  ASSERT_TRUE(memory);
  auto wal = WalSync::open(*memory);
  ASSERT_TRUE(wal);
  EXPECT_TRUE(wal->sync());

  TempDir dir;
  {
    auto db = Database::open(dir / "test.db");
    ASSERT_TRUE(db && db->exec("CREATE TABLE t (v INTEGER)"));
  }
  OpenOptions ro;
  ro.read_only = true;
  auto reader = Database::open(dir / "test.db", ro);
  ASSERT_TRUE(reader);
  auto none = WalSync::open(*reader);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->sync());
}

TEST(WalSyncOpen, AnUnknownVfsFailsTheOpen) {
  TempDir dir;
  OpenOptions o;
  o.vfs = "no-such-vfs";
  auto db = Database::open(dir / "test.db", o);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), make_error_code(errc::io_error));
}

}  // namespace
}  // namespace smp::agent::sqlite
