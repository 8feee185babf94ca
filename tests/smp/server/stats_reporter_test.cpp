#include "smp/server/stats_reporter.h"

#include <gtest/gtest.h>

namespace smp::server {
namespace {

void fill(ServerStats& stats) {
  stats.queues_created = 12;
  stats.queues_secured = 9;
  stats.queues_deleted = 2;
  stats.msgs_sent = 5;
  stats.msgs_delivered = 4;
  stats.msgs_expired = 1;
  stats.connections_total = 7;
  stats.handshakes_failed = 3;
  stats.connections_current = 2;
}

TEST(StatsReporter, SnapshotReadsEveryCounter) {
  ServerStats stats;
  fill(stats);
  StatsSnapshot s = take_snapshot(stats, 10);
  EXPECT_EQ(s.queues_created, 12u);
  EXPECT_EQ(s.queues_secured, 9u);
  EXPECT_EQ(s.queues_deleted, 2u);
  EXPECT_EQ(s.msgs_sent, 5u);
  EXPECT_EQ(s.msgs_delivered, 4u);
  EXPECT_EQ(s.msgs_expired, 1u);
  EXPECT_EQ(s.connections_total, 7u);
  EXPECT_EQ(s.handshakes_failed, 3u);
  EXPECT_EQ(s.connections_current, 2);
  EXPECT_EQ(s.queues, 10u);
}

TEST(StatsReporter, LineNamesEachCount) {
  ServerStats stats;
  fill(stats);
  EXPECT_EQ(format_stats_line(take_snapshot(stats, 10)),
            "stats: queues 10 (created 12, secured 9, deleted 2); messages sent 5, delivered 4, "
            "expired 1; connections 2 open, 7 total, 3 failed handshakes");
}

}  // namespace
}  // namespace smp::server
