#include "smp/agent/server_clients.h"

#include <gtest/gtest.h>

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "smp/agent/agent_test_util.h"

namespace smp::agent {
namespace {

using namespace std::chrono_literals;

class ServerClientsTest : public ::testing::Test {
 protected:
  ServerClientsTest() {
    ServerClients::Handlers h;
    h.on_down = [this](const protocol::SmpServer& server,
                       std::vector<ServerClients::Subscription> subs) {
      std::lock_guard lock(mutex_);
      downs_.push_back({server, std::move(subs)});
      down_promise_.set_value();
    };
    h.on_event = [this](const protocol::SmpServer&, client::ServerEvent) {
      std::lock_guard lock(mutex_);
      ++events_;
    };
    clients_ = std::make_shared<ServerClients>(strand_, client::ClientConfig{}, std::move(h));
  }

  // Runs f on the pool's strand and waits for it.
  template <class F>
  auto on_strand(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    net::post(strand_, [&task] { task(); });
    EXPECT_EQ(fut.wait_for(5s), std::future_status::ready);
    return fut.get();
  }

  std::future<Result<std::shared_ptr<client::SmpClient>>> get_async(protocol::SmpServer s) {
    return net::co_spawn(strand_, clients_->get(std::move(s)), net::use_future);
  }

  test::TestServer server_;
  test::IoThreads io_;
  ServerClients::Strand strand_ = net::make_strand(io_.executor());
  std::shared_ptr<ServerClients> clients_;
  std::mutex mutex_;
  std::vector<std::pair<protocol::SmpServer, std::vector<ServerClients::Subscription>>> downs_;
  std::promise<void> down_promise_;
  int events_ = 0;
};

TEST_F(ServerClientsTest, ConcurrentUsersOfAServerShareOneConnection) {
  std::vector<std::future<Result<std::shared_ptr<client::SmpClient>>>> all;
  for (int i = 0; i < 8; ++i) all.push_back(get_async(test::server_of(server_)));
  std::shared_ptr<client::SmpClient> first;
  for (auto& f : all) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    auto c = f.get();
    ASSERT_TRUE(c) << c.error().message();
    if (!first) first = *c;
    EXPECT_EQ(c->get(), first.get());
  }
  // The server counts a connection once its side of the handshake is done.
  auto& total = server_.server().stats().connections_total;
  for (int i = 0; i < 100 && total.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(total.load(), 1u);
  // Later users get the same open connection.
  auto again = get_async(test::server_of(server_)).get();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first.get());
  on_strand([&] { clients_->close(); return 0; });
}

TEST_F(ServerClientsTest, FailedConnectIsReportedToEveryWaiter) {
  protocol::SmpServer gone;
  {
    test::TestServer s;
    gone = test::server_of(s);
  }
  auto a = get_async(gone);
  auto b = get_async(gone);
  for (auto* f : {&a, &b}) {
    ASSERT_EQ(f->wait_for(10s), std::future_status::ready);
    auto r = f->get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::network));
  }
}

TEST_F(ServerClientsTest, LostConnectionReportsItsSubscriptionsOnce) {
  auto server = test::server_of(server_);
  ASSERT_TRUE(get_async(server).get());
  on_strand([&] {
    clients_->add_subscription(server, to_bytes("rcv-1"), "conn-1");
    clients_->add_subscription(server, to_bytes("rcv-2"), "conn-2");
    clients_->add_subscription(server, to_bytes("rcv-3"), "conn-2");
    clients_->remove_subscription(server, to_bytes("rcv-3"));
    return 0;
  });
  EXPECT_TRUE(on_strand([&] { return clients_->subscribed(server, to_bytes("rcv-1")); }));
  EXPECT_FALSE(on_strand([&] { return clients_->subscribed(server, to_bytes("rcv-3")); }));
  server_.stop();
  ASSERT_EQ(down_promise_.get_future().wait_for(5s), std::future_status::ready);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(downs_.size(), 1u);
    EXPECT_EQ(downs_[0].first, server);
    ASSERT_EQ(downs_[0].second.size(), 2u);
    EXPECT_EQ(downs_[0].second[0].conn_id, "conn-1");
    EXPECT_EQ(downs_[0].second[1].conn_id, "conn-2");
  }
  // Forgotten with the connection; the next user connects again.
  EXPECT_FALSE(on_strand([&] { return clients_->subscribed(server, to_bytes("rcv-1")); }));
  ASSERT_TRUE(server_.restart());
  auto again = get_async(server).get();
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE((*again)->is_open());
  on_strand([&] { clients_->close(); return 0; });
  EXPECT_FALSE(get_async(server).get());  // closed for good
  std::lock_guard lock(mutex_);
  EXPECT_EQ(downs_.size(), 1u);  // close() reports nothing
}

TEST_F(ServerClientsTest, RemoveConnectionDropsAllItsQueues) {
  auto server = test::server_of(server_);
  on_strand([&] {
    clients_->add_subscription(server, to_bytes("r1"), "c");
    clients_->add_subscription(server, to_bytes("r2"), "c");
    clients_->add_subscription(server, to_bytes("r3"), "d");
    clients_->remove_connection("c");
    return 0;
  });
  EXPECT_FALSE(on_strand([&] { return clients_->subscribed(server, to_bytes("r1")); }));
  EXPECT_FALSE(on_strand([&] { return clients_->subscribed(server, to_bytes("r2")); }));
  EXPECT_TRUE(on_strand([&] { return clients_->subscribed(server, to_bytes("r3")); }));
}

}  // namespace
}  // namespace smp::agent
