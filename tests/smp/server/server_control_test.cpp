// What the control port's commands do to the server's state and what they answer: the
// reference's runCPClient (Server.hs at simplexmq 6.5.5) for delete, status, block, unblock
// and save, with its wording.

#include "smp/server/server_control.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "control_test_util.h"
#include "smp/server/message_log.h"
#include "smp/server/store_log_record.h"

namespace smp::server::test {
namespace {

const BlockingInfo kSpam{BlockingReason::spam, std::nullopt};
const BlockingInfo kContentForAnHour{BlockingReason::content, ClientNotice{3600}};

class ServerControlTest : public ControlFixture {
 protected:
  ServerControl& control(ServerControlOptions options = {}) {
    control_ = std::make_unique<ServerControl>(*ctx_, std::move(options));
    return *control_;
  }
  std::unique_ptr<ServerControl> control_;
};

TEST(ServerControlShow, BlockingInfoAndStatusAsHaskellShowsThem) {
  EXPECT_EQ(show_blocking_info(kSpam), "BlockingInfo {reason = BRSpam, notice = Nothing}");
  EXPECT_EQ(show_blocking_info(kContentForAnHour),
            "BlockingInfo {reason = BRContent, notice = Just (ClientNotice {ttl = Just 3600})}");
  EXPECT_EQ(show_blocking_info({BlockingReason::spam, ClientNotice{std::nullopt}}),
            "BlockingInfo {reason = BRSpam, notice = Just (ClientNotice {ttl = Nothing})}");
  EXPECT_EQ(show_blocking_info({BlockingReason::spam, ClientNotice{-5}}),
            "BlockingInfo {reason = BRSpam, notice = Just (ClientNotice {ttl = Just (-5)})}");
  QueueRecord q = make_queue(1);
  EXPECT_EQ(show_queue_status(q), "EntityActive");
  q.status = QueueStatus::off;
  EXPECT_EQ(show_queue_status(q), "EntityOff");
  q.status = QueueStatus::blocked;
  q.blocking = kSpam;
  EXPECT_EQ(show_queue_status(q), "EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing})");
}

TEST_F(ServerControlTest, StatusShowsStatusDateAndMode) {
  QueueRecord q = make_queue(1);
  q.mode = QueueMode::messaging;
  q.updated_at = 1'699'920'000;
  ASSERT_TRUE(queues_.add(q));
  QueueRecord old = add_queue(2);
  EXPECT_EQ(control().status(view(q.sender_id)),
            "status: EntityActive, updatedAt: Just (RoundedSystemTime {roundedSeconds = "
            "1699920000}), queueMode: Just QMMessaging\n");
  EXPECT_EQ(control().status(view(old.sender_id)),
            "status: EntityActive, updatedAt: Nothing, queueMode: Nothing\n");
  // The recipient id is not a sender id.
  EXPECT_EQ(control().status(view(q.recipient_id)), "error: AUTH\n");
  EXPECT_EQ(control().status(Bytes{1, 2, 3}), "error: AUTH\n");
  EXPECT_EQ(log_lines(), std::vector<std::string>{});  // nothing logged
}

TEST_F(ServerControlTest, AQueueIsFoundByItsShortLinkIdToo) {
  QueueRecord q = make_queue(3);
  q.mode = QueueMode::contact;
  auto link = std::make_shared<QueueLinkData>();
  link->link_id = make_id(3, 9);
  link->fixed_data = Bytes{1};
  link->user_data = Bytes{2};
  q.link = link;
  ASSERT_TRUE(queues_.add(q));
  EXPECT_EQ(control().status(view(link->link_id)),
            "status: EntityActive, updatedAt: Nothing, queueMode: Just QMContact\n");
}

TEST_F(ServerControlTest, BlockLogsItAndAnswersAsTheReference) {
  QueueRecord q = add_queue(1);
  ServerControl& c = control();
  EXPECT_EQ(c.block(view(q.sender_id), kSpam),
            "ok, queue blocked: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing})\n");
  EXPECT_EQ(queues_.by_recipient(q.recipient_id)->status, QueueStatus::blocked);
  EXPECT_EQ(c.status(view(q.sender_id)),
            "status: EntityBlocked (BlockingInfo {reason = BRSpam, notice = Nothing}), "
            "updatedAt: Nothing, queueMode: Nothing\n");
  // The same block again changes nothing; another reason replaces the first.
  EXPECT_EQ(c.block(view(q.sender_id), kSpam),
            "ok, already inactive: EntityBlocked (BlockingInfo {reason = BRSpam, notice = "
            "Nothing})\n");
  EXPECT_EQ(c.block(view(q.sender_id), kContentForAnHour),
            "ok, already inactive: EntityBlocked (BlockingInfo {reason = BRContent, notice = "
            "Just (ClientNotice {ttl = Just 3600})})\n");
  EXPECT_EQ(queues_.by_recipient(q.recipient_id)->blocking, kContentForAnHour);
  EXPECT_EQ(log_lines(),
            (std::vector<std::string>{
                format_store_log_record(StoreLogBlock{q.recipient_id, kSpam}),
                format_store_log_record(StoreLogBlock{q.recipient_id, kContentForAnHour})}));
  EXPECT_EQ(c.block(view(q.recipient_id), kSpam), "error: AUTH\n");
}

TEST_F(ServerControlTest, BlockingASuspendedQueueAnswersAlreadyInactive) {
  QueueRecord q = add_queue(1);
  ASSERT_TRUE(queues_.suspend(q.recipient_id));
  EXPECT_EQ(control().block(view(q.sender_id), kSpam),
            "ok, already inactive: EntityBlocked (BlockingInfo {reason = BRSpam, notice = "
            "Nothing})\n");
  EXPECT_EQ(queues_.by_recipient(q.recipient_id)->status, QueueStatus::blocked);
}

TEST_F(ServerControlTest, UnblockRestoresTheQueueAndSaysWhyItWasBlocked) {
  QueueRecord q = add_queue(1);
  QueueRecord off = add_queue(2);
  ASSERT_TRUE(queues_.suspend(off.recipient_id));
  ServerControl& c = control();
  EXPECT_EQ(c.unblock(view(q.sender_id)), "ok, queue was active\n");
  EXPECT_EQ(c.unblock(view(off.sender_id)), "error, queue is inactive\n");
  ASSERT_EQ(c.block(view(q.sender_id), kContentForAnHour).substr(0, 18), "ok, queue blocked:");
  EXPECT_EQ(c.unblock(view(q.sender_id)),
            "ok, queue unblocked, reason to block was: BlockingInfo {reason = BRContent, notice = "
            "Just (ClientNotice {ttl = Just 3600})}\n");
  EXPECT_EQ(queues_.by_recipient(q.recipient_id)->status, QueueStatus::active);
  EXPECT_EQ(log_lines().back(), format_store_log_record(StoreLogUnblock{q.recipient_id}));
  EXPECT_EQ(c.unblock(Bytes(24, 7)), "error: AUTH\n");
}

TEST_F(ServerControlTest, TheDailyBlockQuotaCountsQueuesThatWereActive) {
  std::vector<QueueRecord> q;
  for (std::uint32_t i = 0; i < 4; ++i) q.push_back(add_queue(i + 1));
  ServerControl& c = control({.daily_block_quota = 2});
  EXPECT_EQ(c.block(view(q[0].sender_id), kSpam).substr(0, 18), "ok, queue blocked:");
  EXPECT_EQ(c.block(view(q[0].sender_id), kContentForAnHour).substr(0, 21),
            "ok, already inactive:");  // not counted
  EXPECT_EQ(c.block(view(q[1].sender_id), kSpam).substr(0, 18), "ok, queue blocked:");
  EXPECT_EQ(c.block(view(q[2].sender_id), kSpam),
            "error: reached limit of 2 queues blocked daily\n");
  EXPECT_EQ(queues_.by_recipient(q[2].recipient_id)->status, QueueStatus::active);

  EXPECT_EQ(control({.daily_block_quota = -1}).block(view(q[3].sender_id), kSpam),
            "error: reached limit of -1 queues blocked daily\n");
  ServerControl& unlimited = control({.daily_block_quota = 0});
  EXPECT_EQ(unlimited.block(view(q[2].sender_id), kSpam).substr(0, 18), "ok, queue blocked:");
  EXPECT_EQ(unlimited.block(view(q[3].sender_id), kSpam).substr(0, 18), "ok, queue blocked:");
}

TEST_F(ServerControlTest, DeleteRemovesTheQueueAndItsMessages) {
  QueueRecord q = add_queue(1);
  QueueRecord other = add_queue(2);
  add_message(q, 1);
  add_message(q, 2);
  add_message(other, 3);
  ServerControl& c = control();
  EXPECT_EQ(c.delete_queue(view(q.sender_id)), "ok, 2 messages deleted\n");
  EXPECT_FALSE(queues_.contains(q.recipient_id));
  EXPECT_EQ(messages_.find(q.recipient_id), nullptr);
  EXPECT_EQ(ctx_->stats.queues_deleted.load(), 1u);
  EXPECT_EQ(log_lines(),
            std::vector<std::string>{format_store_log_record(StoreLogDelete{q.recipient_id})});
  EXPECT_EQ(c.delete_queue(view(q.sender_id)), "error: AUTH\n");
  EXPECT_EQ(c.status(view(q.sender_id)), "error: AUTH\n");
  EXPECT_EQ(c.delete_queue(view(other.sender_id)), "ok, 1 messages deleted\n");
}

TEST_F(ServerControlTest, SaveWritesTheMessagesFileWhileTheServerRuns) {
  QueueRecord q = add_queue(1);
  add_message(q, 1);
  add_message(q, 2);
  const auto file = dir_ / "messages.log";
  ServerControl& c = control(
      {.save_messages = [&] { return save_messages(file, messages_, queues_); }});
  EXPECT_EQ(c.save(), "saving server state...\nserver state saved!\n");
  std::string saved = read_file(file);
  EXPECT_EQ(std::count(saved.begin(), saved.end(), '\n'), 2) << saved;
  EXPECT_EQ(messages_.find(q.recipient_id)->size(), 2u) << "saving must not drain the queues";

  EXPECT_EQ(control().save(), "saving server state...\nserver state saved!\n");
  ServerControl& failing = control({.save_messages = [] {
    return Result<std::size_t>(make_error_code(errc::io_error));
  }});
  std::string answer = failing.save();
  EXPECT_EQ(answer.rfind("saving server state...\nerror: cannot save messages: ", 0), 0u)
      << answer;
  EXPECT_EQ(answer.find("saved!"), std::string::npos) << answer;
}

TEST_F(ServerControlTest, StatsCountQueuesNotifiersAndMessages) {
  QueueRecord q = add_queue(1);
  QueueRecord n = make_queue(2);
  n.notifier = NotifierCredentials{.notifier_id = make_id(2, 3), .notifier_key = make_key(9)};
  ASSERT_TRUE(queues_.add(n));
  add_message(q, 1);
  add_message(n, 2);
  add_message(n, 3);
  ctx_->stats.queues_created = 5;
  ctx_->stats.msgs_sent = 7;
  count_proxy_request(ctx_->stats.proxy_relays, ctx_->stats.proxy_relays_own, true,
                      ProxyOutcome::success);
  count_proxy_request(ctx_->stats.proxy_relays, ctx_->stats.proxy_relays_own, false,
                      ProxyOutcome::connect_error);
  count_proxy_request(ctx_->stats.proxy_forwards, ctx_->stats.proxy_forwards_own, false,
                      ProxyOutcome::compat_error);
  ctx_->stats.msgs_forwarded = 4;
  EXPECT_EQ(control().stats(),
            "qCreated: 5\nqSecured: 0\nqDeletedAll: 0\nmsgSent: 7\nmsgRecv: 0\nmsgExpired: 0\n"
            "qCount: 2\nnotifiers: 1\nmsgCount: 3\n"
            "pRelays: requests=2, successes=1, errorsConnect=1, errorsCompat=0, errorsOther=0\n"
            "pRelaysOwn: requests=1, successes=1, errorsConnect=0, errorsCompat=0, errorsOther=0\n"
            "pMsgFwds: requests=1, successes=0, errorsConnect=0, errorsCompat=1, errorsOther=0\n"
            "pMsgFwdsOwn: requests=0, successes=0, errorsConnect=0, errorsCompat=0, "
            "errorsOther=0\n"
            "pMsgFwdsRecv: 4\n");
}

TEST_F(ServerControlTest, ClientsAndServerInfoWithoutConnections) {
  EXPECT_EQ(control().clients(),
            "clientId,sessionId,connected,createdAt,rcvActiveAt,sndActiveAt,age,subscriptions\n");
  std::string info = control().server_info();
  EXPECT_EQ(info.substr(0, 9), "Threads: ");
  EXPECT_NE(info.find("\nClients: 0\nSMP subscriptions: 0\nSMP subscribed clients: 0\n"
                      "Ntf subscriptions: 0\nNtf subscribed clients: 0 []\n"),
            std::string::npos)
      << info;
}

}  // namespace
}  // namespace smp::server::test
