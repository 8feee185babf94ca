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
  stats.msgs_forwarded = 6;
  count_proxy_request(stats.proxy_relays, ProxyOutcome::success);
  count_proxy_request(stats.proxy_relays, ProxyOutcome::success);
  count_proxy_request(stats.proxy_relays, ProxyOutcome::connect_error);
  count_proxy_request(stats.proxy_forwards, ProxyOutcome::success);
  count_proxy_request(stats.proxy_forwards, ProxyOutcome::compat_error);
  count_proxy_request(stats.proxy_forwards, ProxyOutcome::other_error);
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
  EXPECT_EQ(s.proxy_relays, (ProxyCounts{.requests = 3,
                                         .successes = 2,
                                         .errors_connect = 1,
                                         .errors_compat = 0,
                                         .errors_other = 0}));
  EXPECT_EQ(s.proxy_forwards, (ProxyCounts{.requests = 3,
                                           .successes = 1,
                                           .errors_connect = 0,
                                           .errors_compat = 1,
                                           .errors_other = 1}));
  EXPECT_EQ(s.msgs_forwarded, 6u);
}

TEST(StatsReporter, LineNamesEachCount) {
  ServerStats stats;
  fill(stats);
  EXPECT_EQ(format_stats_line(take_snapshot(stats, 10)),
            "stats: queues 10 (created 12, secured 9, deleted 2); messages sent 5, delivered 4, "
            "expired 1; connections 2 open, 7 total, 3 failed handshakes; proxy sessions 3 (ok "
            "2, errors: connect 1, compat 0, other 0), forwards 3 (ok 1, errors: connect 0, "
            "compat 1, other 1); forwarded messages received 6");
}

}  // namespace
}  // namespace smp::server
