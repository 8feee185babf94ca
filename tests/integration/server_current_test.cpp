// The smp-server executable serves both generations on one port, chosen by TLS ALPN: SMP v1
// (no ALPN, TLS 1.2) exactly as before, and the current generation (ALPN "smp/1", TLS 1.3,
// SMP 6..18 with block encryption) next to it.

#include <gtest/gtest.h>

#include "server_process_fixture.h"
#include "smp/protocol/command.h"
#include "support/current_test_client.h"
#include "support/test_server.h"

namespace smp::test {
namespace {

using transport::TransportKind;

class ServerCurrentTest : public ServerProcessFixture {
 protected:
  std::unique_ptr<CurrentTestClient> connect_current() {
    return CurrentTestClient::connect(port_, key_hash());
  }
};

TEST_F(ServerCurrentTest, AV1ClientAndACurrentClientShareThePort) {
  init();
  auto server = start();
  auto v1 = connect();
  auto now = connect_current();
  ASSERT_TRUE(v1 && now);

  EXPECT_FALSE(v1->params().current);
  EXPECT_EQ(v1->params().version, 1);
  EXPECT_EQ(v1->session_id().size(), 12u);

  const transport::SessionParams& p = now->params();
  EXPECT_TRUE(p.current);
  EXPECT_EQ(p.version, 18);
  EXPECT_TRUE(p.block_encryption);
  EXPECT_TRUE(p.server_dh_public.has_value());
  EXPECT_EQ(now->session_id().size(), 32u);

  // The v1 client exchanges a real v1 command while the current connection is open.
  auto pong = v1->request("1", {}, protocol::cmd::Ping{});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->tag(), "PONG");
  EXPECT_EQ(pong->corr_id(), "1");

  // The current connection's PING, in a batch inside an encrypted block, is answered in one.
  auto inside = now->request("2", {}, protocol::cmd::Ping{});
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->tag(), "PONG");

  auto again = v1->request("3", {}, protocol::cmd::Ping{});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->tag(), "PONG");
}

TEST_F(ServerCurrentTest, ManyCurrentConnectionsAtOnceEachAgreeVersion18) {
  init();
  auto server = start();
  std::vector<std::unique_ptr<CurrentTestClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(connect_current());
    ASSERT_TRUE(clients.back());
    EXPECT_EQ(clients.back()->params().version, 18);
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto pong = clients[i]->request(std::to_string(i), {}, protocol::cmd::Ping{});
    ASSERT_TRUE(pong);
    EXPECT_EQ(pong->tag(), "PONG");
  }
}

TEST(ServerCurrentWebSockets, TheWebSocketListenerServesTheCurrentGenerationToo) {
  TestServer server([](server::ServerConfig& c) {
    c.listeners.push_back({"127.0.0.1", "0", TransportKind::websocket});
  });
  ASSERT_TRUE(server.started());
  auto now = CurrentTestClient::connect(server.port(1), server.key_hash(), {}, 5s,
                                        TransportKind::websocket);
  auto v1 = TestClient::connect(server.port(1), server.key_hash(), 5s, TransportKind::websocket);
  ASSERT_TRUE(now && v1);
  EXPECT_EQ(now->params().version, 18);
  EXPECT_TRUE(now->params().block_encryption);
  EXPECT_EQ(v1->params().version, 1);
  auto pong = now->request("w", {}, protocol::cmd::Ping{});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->tag(), "PONG");
}

}  // namespace
}  // namespace smp::test
