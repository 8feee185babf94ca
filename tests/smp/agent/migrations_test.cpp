#include "smp/agent/migrations.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "smp/agent/store_test_util.h"

namespace smp::agent {
namespace {

using test::error_of;
using test::TempDir;

const enc::Timestamp kT1{std::chrono::milliseconds(1'650'000'000'123)};
const enc::Timestamp kT2{std::chrono::milliseconds(1'700'000'000'456)};

sqlite::Database open_db(const std::filesystem::path& path, bool read_only = false) {
  sqlite::OpenOptions options;
  options.read_only = read_only;
  auto db = sqlite::Database::open(path, options);
  EXPECT_TRUE(db);
  return db ? std::move(*db) : sqlite::Database();
}

std::vector<std::string> names(std::span<const Migration> ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.emplace_back(m.name);
  return out;
}

std::vector<std::string> table_names(sqlite::Database& db) {
  std::vector<std::string> out;
  auto st = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  EXPECT_TRUE(st);
  while (st && st->step().value()) out.push_back(st->column_text(0));
  return out;
}

TEST(Migrations, AgentMigrationsAreNamedInApplyOrder) {
  auto ms = agent_migrations();
  ASSERT_FALSE(ms.empty());
  EXPECT_EQ(ms[0].name, "0001_initial");
  auto n = names(ms);
  EXPECT_TRUE(std::is_sorted(n.begin(), n.end()));
  EXPECT_EQ(std::set<std::string>(n.begin(), n.end()).size(), n.size());
}

TEST(Migrations, NewDatabaseGetsEveryTableAndTheRecord) {
  TempDir dir;
  auto db = open_db(dir / "a.db");
  auto applied = migrate(db, agent_migrations(), kT1);
  ASSERT_TRUE(applied) << db.last_error();
  EXPECT_EQ(*applied, names(agent_migrations()));
  EXPECT_EQ(applied_migrations(db).value(), names(agent_migrations()));
  std::vector<std::string> expected{"conn_confirmations", "conn_invitations", "connections",
                                    "messages",           "migrations",       "ratchets",
                                    "rcv_messages",       "rcv_queues",       "servers",
                                    "skipped_messages",   "snd_messages",     "snd_queues"};
  EXPECT_EQ(table_names(db), expected);
  auto st = db.prepare("SELECT ts FROM migrations WHERE name = '0001_initial'");
  ASSERT_TRUE(st && st->step().value());
  EXPECT_EQ(st->column_text(0), "2022-04-15T05:20:00.123Z");
}

TEST(Migrations, SecondRunIsANoOpAndWritesNothing) {
  TempDir dir;
  auto db = open_db(dir / "a.db");
  ASSERT_TRUE(migrate(db, agent_migrations(), kT1));
  ASSERT_TRUE(db.close());

  auto again = open_db(dir / "a.db");
  auto applied = migrate(again, agent_migrations(), kT2);
  ASSERT_TRUE(applied);
  EXPECT_TRUE(applied->empty());
  auto st = again.prepare("SELECT count(*), max(ts) FROM migrations");
  ASSERT_TRUE(st && st->step().value());
  EXPECT_EQ(st->column_int64(0), static_cast<std::int64_t>(agent_migrations().size()));
  EXPECT_EQ(st->column_text(1), "2022-04-15T05:20:00.123Z");  // the first run's time
}

TEST(Migrations, OnlyTheMissingOnesAreApplied) {
  TempDir dir;
  auto db = open_db(dir / "a.db");
  const std::array<Migration, 1> first{Migration{"0001_a", "CREATE TABLE a (x);"}};
  const std::array<Migration, 2> both{Migration{"0001_a", "CREATE TABLE a (x);"},
                                      Migration{"0002_b", "CREATE TABLE b (y);"}};
  ASSERT_EQ(migrate(db, first, kT1).value(), std::vector<std::string>{"0001_a"});
  ASSERT_EQ(migrate(db, both, kT2).value(), std::vector<std::string>{"0002_b"});
  EXPECT_EQ(table_names(db), (std::vector<std::string>{"a", "b", "migrations"}));
}

TEST(Migrations, DatabaseFromANewerVersionIsRefused) {
  TempDir dir;
  {
    auto db = open_db(dir / "a.db");
    std::vector<Migration> newer(agent_migrations().begin(), agent_migrations().end());
    newer.push_back(Migration{"9999_future", "CREATE TABLE future (x);"});
    ASSERT_TRUE(migrate(db, newer, kT1));
  }
  auto db = open_db(dir / "a.db");
  EXPECT_EQ(error_of(migrate(db, agent_migrations(), kT2)), errc::store_too_new);
  EXPECT_NE(db.last_error().find("9999_future"), std::string::npos) << db.last_error();
}

TEST(Migrations, DifferentMigrationAtTheSamePlaceIsRefused) {
  TempDir dir;
  auto db = open_db(dir / "a.db");
  const std::array<Migration, 1> theirs{Migration{"0001_other", "CREATE TABLE o (x);"}};
  ASSERT_TRUE(migrate(db, theirs, kT1));
  const std::array<Migration, 1> ours{Migration{"0001_a", "CREATE TABLE a (x);"}};
  EXPECT_EQ(error_of(migrate(db, ours, kT2)), errc::store_too_new);
  EXPECT_NE(db.last_error().find("0001_other"), std::string::npos) << db.last_error();
  EXPECT_EQ(table_names(db), (std::vector<std::string>{"migrations", "o"}));
}

TEST(Migrations, FailingScriptLeavesTheDatabaseAsItWas) {
  TempDir dir;
  auto db = open_db(dir / "a.db");
  const std::array<Migration, 2> ms{
      Migration{"0001_a", "CREATE TABLE a (x);"},
      Migration{"0002_bad", "CREATE TABLE b (y); CREATE TABLE b (z);"}};
  EXPECT_EQ(error_of(migrate(db, ms, kT1)), errc::io_error);
  EXPECT_NE(db.last_error().find("already exists"), std::string::npos) << db.last_error();
  EXPECT_FALSE(db.in_transaction());
  EXPECT_TRUE(table_names(db).empty());  // not even 0001_a or the migrations table
  EXPECT_TRUE(applied_migrations(db).value().empty());
}

TEST(Migrations, ReadOnlyDatabaseThatNeedsMigrationsIsRefused) {
  TempDir dir;
  { auto db = open_db(dir / "a.db"); }  // an empty database file
  auto ro = open_db(dir / "a.db", true);
  EXPECT_EQ(error_of(migrate(ro, agent_migrations(), kT1)), errc::wrong_state);

  auto rw = open_db(dir / "a.db");
  ASSERT_TRUE(migrate(rw, agent_migrations(), kT1));
  auto ro2 = open_db(dir / "a.db", true);
  EXPECT_TRUE(migrate(ro2, agent_migrations(), kT2).value().empty());
}

}  // namespace
}  // namespace smp::agent
