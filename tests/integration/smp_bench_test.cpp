// smp-bench against an in-process server: throughput (every message delivered and ACKed, its
// ratio to the crypto limit), scaling (the replaying generator: the server's own counters
// confirm what it claims), connections (idle handshaked connections and the server's memory
// per connection), queues (NEW rate, the queues left on the server), crypto (the per-message
// crypto limit) and transport (the kernel's share of a message's blocks); the last line a JSON summary, remote targets refused unless allowed, counts
// bounded.

#include <filesystem>
#include <fstream>
#include <map>
#include <variant>
#include <string>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>

#include <gtest/gtest.h>

#include "smp/server/server_context.h"
#include "smp/server/store_log.h"
#include "smp/transport/certificates.h"
#include "support/temp_dir.h"
#include "child_process.h"
#include "support/test_server.h"
#include "tool_process.h"

namespace smp::test {
namespace {

class SmpBenchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started());
    ASSERT_TRUE(std::filesystem::exists(tool_)) << "build smp-bench first: " << tool_;
  }
  std::string address() const {
    return fmt::format("smp://{}@127.0.0.1:{}", transport::fingerprint_string(server_.key_hash()),
                       server_.port());
  }

  TestServer server_;
  std::filesystem::path tool_ = tool_path("smp-bench");
};

TEST_F(SmpBenchTest, ThroughputDeliversEveryMessageAndEndsWithJson) {
  ToolRun run = run_tool(
      tool_, {"throughput", "--server", address(), "--queues", "6", "--conns", "2", "--messages",
              "300", "--size", "128", "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "throughput");
  EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), 18);  // offered by default
  EXPECT_EQ(j.at("sent").to_number<std::int64_t>(), 300);
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 300);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("msgs_per_s").to_number<double>(), 0);
  double p50 = j.at("p50_ms").to_number<double>(), p90 = j.at("p90_ms").to_number<double>(),
         p99 = j.at("p99_ms").to_number<double>();
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, p90);
  EXPECT_LE(p90, p99);
  EXPECT_TRUE(j.contains("server_cpu_us_per_msg")) << run.output;
  EXPECT_GT(j.at("server_rss_bytes").to_number<std::int64_t>(), 0);
  // The crypto limit measured in the same run, and the ratio to it.
  double limit = j.at("crypto_limit_msgs_per_s").to_number<double>();
  EXPECT_GT(limit, 0);
  EXPECT_NEAR(j.at("ratio_to_crypto_limit").to_number<double>(),
              j.at("msgs_per_s").to_number<double>() / limit, 0.01);
  EXPECT_GT(j.at("server_cpu_ratio_to_crypto").to_number<double>(), 0);
  // The floor is the mean of the measurements before and after the run.
  double before = j.at("crypto_server_us_before").to_number<double>(),
         after = j.at("crypto_server_us_after").to_number<double>();
  EXPECT_GT(before, 0);
  EXPECT_GT(after, 0);
  EXPECT_NEAR(j.at("crypto_server_us_per_msg").to_number<double>(), (before + after) / 2,
              0.01 * (before + after));
  // The kernel's share of five blocks one at a time, measured in the same run, and the ratio
  // of the server's CPU to both floors together.
  double transport = j.at("transport_server_us_per_msg").to_number<double>();
  EXPECT_GT(transport, 0);
  EXPECT_NEAR(j.at("server_cpu_ratio_to_crypto_and_transport").to_number<double>(),
              j.at("server_cpu_us_per_msg").to_number<double>() /
                  (j.at("crypto_server_us_per_msg").to_number<double>() + transport),
              0.01);
  // Every queue was deleted afterwards.
  EXPECT_EQ(server_.queues().size(), 0u);
}

// --proxy: the same load directly and then through a second server's proxy role, compared in
// one JSON line; every message of both passes delivered.
TEST_F(SmpBenchTest, ThroughputThroughAProxyComparesBothRoutes) {
  TestServer proxy([](server::ServerConfig& c) { c.allow_smp_proxy = true; });
  const std::string proxy_address = fmt::format(
      "smp://{}@127.0.0.1:{}", transport::fingerprint_string(proxy.key_hash()), proxy.port());
  ToolRun run = run_tool(tool_, {"throughput", "--server", address(), "--proxy", proxy_address,
                                 "--proxy-pid", std::to_string(::getpid()), "--queues", "4",
                                 "--conns", "2", "--messages", "200", "--size", "128"});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("route").as_string(), "proxied");
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 200);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_EQ(j.at("direct_delivered").to_number<std::int64_t>(), 200);
  EXPECT_EQ(j.at("direct_errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("msgs_per_s").to_number<double>(), 0);
  EXPECT_GT(j.at("direct_msgs_per_s").to_number<double>(), 0);
  EXPECT_TRUE(j.contains("proxy_cpu_us_per_msg")) << run.output;
  EXPECT_NE(run.output.find("proxied / direct"), std::string::npos) << run.output;
  // The senders' relays went through the proxy, one connection to the destination.
  EXPECT_EQ(proxy.server().context().proxy.relay_count(), 1u);
  EXPECT_EQ(server_.queues().size(), 0u);
}

// --smp v1 speaks SMP v1 as a v1.0.0 client (the server then serves it as a v1-only server
// would); --smp current refuses a server that agreed v1 (the scaling replay speaks only v1).
TEST_F(SmpBenchTest, ThroughputAndQueuesSpeakEitherGeneration) {
  for (const char* smp : {"v1", "current", "auto"}) {
    SCOPED_TRACE(smp);
    const std::int64_t expected = std::string_view(smp) == "v1" ? 1 : 18;
    ToolRun run = run_tool(tool_, {"throughput", "--server", address(), "--queues", "2",
                                   "--messages", "40", "--size", "64", "--smp", smp});
    ASSERT_EQ(run.status, 0) << run.output;
    auto j = run.json();
    ASSERT_FALSE(j.empty()) << run.output;
    EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), expected);
    EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 40);
    EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
    ToolRun queues =
        run_tool(tool_, {"queues", "--server", address(), "--count", "5", "--smp", smp});
    ASSERT_EQ(queues.status, 0) << queues.output;
    EXPECT_EQ(queues.json().at("smp_version").to_number<std::int64_t>(), expected);
  }
  EXPECT_NE(run_tool(tool_, {"throughput", "--server", address(), "--smp", "v2"}).status, 0);
  ToolRun scaling = run_tool(tool_, {"scaling", "--server", address(), "--messages", "1",
                                     "--smp", "current"});
  EXPECT_NE(scaling.status, 0);
  EXPECT_NE(scaling.output.find("not the current generation"), std::string::npos)
      << scaling.output;
}

TEST_F(SmpBenchTest, ScalingDeliversTheMessagesItClaimsAndCleansUp) {
  const auto& stats = server_.server().stats();
  const std::uint64_t sent_before = stats.msgs_sent.load(), delivered_before =
                                                               stats.msgs_delivered.load();
  // 301 messages over 2 pairs and 5 queues: uneven shares on both counts.
  ToolRun run = run_tool(tool_, {"scaling", "--server", address(), "--pairs", "2", "--queues",
                                 "5", "--messages", "301", "--size", "128", "--window", "4",
                                 "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "scaling");
  EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), 1);
  EXPECT_EQ(j.at("alg").as_string(), "ed25519");
  EXPECT_EQ(j.at("sent").to_number<std::int64_t>(), 301);
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 301);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("msgs_per_s").to_number<double>(), 0);
  EXPECT_GE(j.at("generator_cpu_us_per_msg").to_number<double>(), 0);
  EXPECT_TRUE(j.contains("server_cpu_us_per_msg")) << run.output;
  EXPECT_TRUE(j.contains("server_cores_busy")) << run.output;
  // The server accepted and delivered exactly as many: every SEND was a real, verified one.
  EXPECT_EQ(stats.msgs_sent.load() - sent_before, 301u);
  EXPECT_EQ(stats.msgs_delivered.load() - delivered_before, 301u);
  // Every queue was deleted and nothing is left undelivered.
  EXPECT_EQ(server_.queues().size(), 0u);
  EXPECT_EQ(server_.messages().size(), 0u);
}

TEST_F(SmpBenchTest, ScalingWithEd448KeysAndSeveralGeneratorThreads) {
  const auto& stats = server_.server().stats();
  const std::uint64_t delivered_before = stats.msgs_delivered.load();
  ToolRun run = run_tool(tool_, {"scaling", "--server", address(), "--pairs", "3", "--queues",
                                 "3", "--messages", "60", "--alg", "ed448", "--window", "1",
                                 "--threads", "2"});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  EXPECT_EQ(j.at("alg").as_string(), "ed448");
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 60) << run.output;
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_EQ(stats.msgs_delivered.load() - delivered_before, 60u);
  EXPECT_FALSE(j.contains("server_cpu_us_per_msg"));  // no --server-pid
  EXPECT_EQ(server_.queues().size(), 0u);
}

TEST_F(SmpBenchTest, ScalingCountsRefusedSendsAsErrors) {
  // A quota of one message and a window of 8 over one queue: SENDs beyond the unACKed one
  // come back as ERR QUOTA, which the generator must report, not hide.
  TestServer tight([](server::ServerConfig& c) { c.msg_queue_quota = 1; });
  ASSERT_TRUE(tight.started());
  std::string tight_address = fmt::format(
      "smp://{}@127.0.0.1:{}", transport::fingerprint_string(tight.key_hash()), tight.port());
  ToolRun run = run_tool(tool_, {"scaling", "--server", tight_address, "--pairs", "1",
                                 "--queues", "1", "--messages", "40", "--window", "8",
                                 "--stall-timeout", "2"});
  EXPECT_EQ(run.status, 1) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_GT(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_EQ(j.at("sent").to_number<std::int64_t>() + j.at("errors").to_number<std::int64_t>(),
            40)
      << run.output;
}

TEST_F(SmpBenchTest, Ed448QueuesWork) {
  ToolRun run = run_tool(tool_, {"throughput", "--server", address(), "--queues", "2", "--messages",
                                 "20", "--alg", "ed448"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.json().at("delivered").to_number<std::int64_t>(), 20);
}

TEST_F(SmpBenchTest, ConnectionsHandshakesEveryConnectionAndReportsMemoryPerConnection) {
  ToolRun run = run_tool(tool_, {"connections", "--server", address(), "--count", "25",
                                 "--parallel", "4", "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "connections");
  EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), 18);  // offered by default
  EXPECT_EQ(j.at("sent").to_number<std::int64_t>(), 25);
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 25);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("msgs_per_s").to_number<double>(), 0);
  EXPECT_GT(j.at("p50_ms").to_number<double>(), 0);
  EXPECT_LE(j.at("p50_ms").to_number<double>(), j.at("p99_ms").to_number<double>());
  EXPECT_GT(j.at("server_cpu_us_per_msg").to_number<double>(), 0);
  EXPECT_TRUE(j.contains("server_rss_bytes_per_connection")) << run.output;
  EXPECT_NE(run.output.find("per handshake"), std::string::npos) << run.output;
}

TEST_F(SmpBenchTest, ConnectionsCanOfferTheCurrentGeneration) {
  // --offer is the older name of --smp here.
  for (const char* offer : {"current", "v1", "auto"}) {
    SCOPED_TRACE(offer);
    ToolRun run = run_tool(tool_, {"connections", "--server", address(), "--count", "10",
                                   "--offer", offer});
    ASSERT_EQ(run.status, 0) << run.output;
    auto j = run.json();
    ASSERT_FALSE(j.empty()) << run.output;
    const bool current = std::string_view(offer) != "v1";
    EXPECT_EQ(j.at("offer").as_string(), current ? "current" : "v1");
    EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 10);
    EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), current ? 18 : 1);
    EXPECT_EQ(j.at("tls").as_string(), current ? "1.3" : "1.2");
    EXPECT_EQ(j.at("block_encryption").as_bool(), current);
  }
  EXPECT_NE(run_tool(tool_, {"connections", "--server", address(), "--offer", "v2"}).status, 0);
}

TEST_F(SmpBenchTest, QueuesCreatesTheQueuesAndLeavesThemOnTheServer) {
  // Enough queues that the server's CPU time spans several clock ticks of /proc/<pid>/stat.
  ToolRun run = run_tool(tool_, {"queues", "--server", address(), "--count", "400", "--conns",
                                 "3", "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "queues");
  EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), 18);
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 400);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("server_cpu_us_per_msg").to_number<double>(), 0);
  EXPECT_TRUE(j.contains("server_rss_bytes_per_queue")) << run.output;
  EXPECT_EQ(server_.queues().size(), 400u);
}

TEST_F(SmpBenchTest, CryptoReportsEachOperationAndTheMessageLimit) {
  for (const char* alg : {"ed25519", "ed448"}) {
    SCOPED_TRACE(alg);
    ToolRun run = run_tool(tool_, {"crypto", "--alg", alg, "--size", "1000"});
    ASSERT_EQ(run.status, 0) << run.output;
    auto j = run.json();
    ASSERT_FALSE(j.empty()) << run.output;
    EXPECT_EQ(j.at("mode").as_string(), "crypto");
    EXPECT_TRUE(j.at("smp_version").is_null());  // connects to nothing
    EXPECT_EQ(j.at("alg").as_string(), alg);
    for (const char* key : {"sign_send_us", "verify_send_us", "box_us", "record_seal_us",
                            "record_open_us", "crypto_server_us_per_msg"}) {
      EXPECT_GT(j.at(key).to_number<double>(), 0) << key;
    }
    // The limit is the CPUs over the crypto of server and clients together.
    double total = j.at("crypto_server_us_per_msg").to_number<double>() +
                   j.at("crypto_client_us_per_msg").to_number<double>();
    EXPECT_NEAR(j.at("crypto_limit_msgs_per_s").to_number<double>(),
                j.at("cores").to_number<double>() * 1e6 / total, 1.0);
  }
}

// transport: the server thread's CPU for a message's five blocks over loopback TCP with no
// crypto — a positive time, and the blocks counted at a TLS 1.3 record's size.
TEST_F(SmpBenchTest, TransportReportsTheKernelsShareOfFiveBlocks) {
  ToolRun run = run_tool(tool_, {"transport"});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "transport");
  EXPECT_TRUE(j.at("smp_version").is_null());
  EXPECT_EQ(j.at("transport_wire_bytes_per_block").to_number<std::int64_t>(), 16406);
  EXPECT_GT(j.at("transport_messages").to_number<std::int64_t>(), 0);
  double us = j.at("transport_server_us_per_msg").to_number<double>();
  EXPECT_GT(us, 0);
  // Two reads and three writes of 16 KB cannot take a second.
  EXPECT_LT(us, 1e6);
}

// --smp current (the default) counts what SMP 18 adds to v1's crypto: block encryption of the
// five blocks, TLS 1.3 records; X25519 queue keys (crypto_box authenticators) only there.
TEST_F(SmpBenchTest, CryptoCountsTheFloorOfEitherGeneration) {
  auto floor_of = [this](std::vector<std::string> args) {
    args.insert(args.begin(), {"crypto", "--size", "1000"});
    ToolRun run = run_tool(tool_, args);
    EXPECT_EQ(run.status, 0) << run.output;
    return run.json();
  };
  auto us = [](const auto& j, const char* key) { return j.at(key).template to_number<double>(); };
  auto v1 = floor_of({"--smp", "v1"});
  auto current = floor_of({});
  ASSERT_FALSE(v1.empty());
  ASSERT_FALSE(current.empty());
  EXPECT_EQ(v1.at("crypto_generation").as_string(), "v1");
  EXPECT_EQ(current.at("crypto_generation").as_string(), "current");
  EXPECT_EQ(floor_of({"--smp", "current"}).at("crypto_generation").as_string(), "current");
  EXPECT_TRUE(current.at("smp_version").is_null());
  // v1 has no block encryption; the current floor's server side counts two blocks opened and
  // three sealed besides what v1 counts.
  EXPECT_EQ(us(v1, "block_seal_us"), 0);
  EXPECT_EQ(us(v1, "block_open_us"), 0);
  EXPECT_GT(us(current, "block_seal_us"), 0);
  EXPECT_GT(us(current, "block_open_us"), 0);
  for (const auto* j : {&v1, &current}) {
    double server = us(*j, "verify_send_us") + us(*j, "verify_ack_us") + us(*j, "box_us") +
                    2 * (us(*j, "record_open_us") + us(*j, "block_open_us")) +
                    3 * (us(*j, "record_seal_us") + us(*j, "block_seal_us"));
    EXPECT_NEAR(us(*j, "crypto_server_us_per_msg"), server, 0.01 * server);
  }
  // Five blocks of XSalsa20-Poly1305 outweigh any timing noise in the v1 components the
  // current floor also has (a block costs about as much as a 16 KB record's cipher).
  double v1_without_auth = us(v1, "crypto_server_us_per_msg") - us(v1, "verify_send_us") -
                           us(v1, "verify_ack_us");
  double current_blocks = 2 * us(current, "block_open_us") + 3 * us(current, "block_seal_us");
  EXPECT_GT(current_blocks, 0.5 * v1_without_auth);
  EXPECT_GT(us(current, "crypto_server_us_per_msg") - us(current, "verify_send_us") -
                us(current, "verify_ack_us"),
            v1_without_auth);

  auto x25519 = floor_of({"--alg", "x25519"});
  ASSERT_FALSE(x25519.empty());
  EXPECT_EQ(x25519.at("alg").as_string(), "x25519");
  EXPECT_GT(us(x25519, "verify_send_us"), 0);
  EXPECT_GT(us(x25519, "sign_ack_us"), 0);
  ToolRun refused = run_tool(tool_, {"crypto", "--smp", "v1", "--alg", "x25519"});
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("need the current generation"), std::string::npos)
      << refused.output;
  EXPECT_NE(run_tool(tool_, {"crypto", "--smp", "auto"}).status, 0);
}

// throughput compares the server with the floor of the generation it agreed.
TEST_F(SmpBenchTest, ThroughputComparesWithTheFloorOfTheAgreedGeneration) {
  for (const char* smp : {"v1", "current"}) {
    SCOPED_TRACE(smp);
    ToolRun run = run_tool(tool_, {"throughput", "--server", address(), "--queues", "2",
                                   "--messages", "20", "--size", "64", "--smp", smp});
    ASSERT_EQ(run.status, 0) << run.output;
    auto j = run.json();
    ASSERT_FALSE(j.empty()) << run.output;
    EXPECT_EQ(j.at("crypto_generation").as_string(), smp);
  }
  // X25519 queue and sender keys: NEW, KEY, SEND and ACK authorized with authenticators;
  // each queue sends its next message only once the last one is ACKed (--window 1). Enough
  // messages that the server's CPU time (clock ticks of 10 ms in /proc) cannot stay at zero.
  ToolRun x25519 = run_tool(tool_, {"throughput", "--server", address(), "--queues", "3",
                                    "--messages", "300", "--size", "64", "--alg", "x25519",
                                    "--window", "1", "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(x25519.status, 0) << x25519.output;
  auto j = x25519.json();
  ASSERT_FALSE(j.empty()) << x25519.output;
  EXPECT_EQ(j.at("alg").as_string(), "x25519");
  EXPECT_EQ(j.at("crypto_generation").as_string(), "current");
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 300);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_GT(j.at("server_cpu_ratio_to_crypto").to_number<double>(), 0);
  EXPECT_NE(run_tool(tool_, {"throughput", "--server", address(), "--smp", "v1", "--alg",
                             "x25519", "--messages", "1"})
                .status,
            0);
  ToolRun queues = run_tool(tool_, {"queues", "--server", address(), "--count", "4", "--alg",
                                    "x25519", "--smp", "current"});
  ASSERT_EQ(queues.status, 0) << queues.output;
  EXPECT_EQ(queues.json().at("delivered").to_number<std::int64_t>(), 4);
  EXPECT_EQ(server_.queues().size(), 4u);
}

TEST_F(SmpBenchTest, CountsAreBounded) {
  ToolRun too_many =
      run_tool(tool_, {"connections", "--server", address(), "--count", "1000000"});
  EXPECT_NE(too_many.status, 0);
  ToolRun none = run_tool(tool_, {"queues", "--server", address(), "--count", "0"});
  EXPECT_NE(none.status, 0);
  EXPECT_EQ(server_.queues().size(), 0u);
}

TEST_F(SmpBenchTest, AgentModeDeliversEveryMessageInOrderAndReportsTheHandshake) {
  ToolRun run = run_tool(
      tool_, {"agent", "--server", address(), "--connections", "2", "--messages", "40", "--size",
              "100", "--window", "4", "--quiet", "--server-pid", std::to_string(::getpid())});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "agent");
  EXPECT_EQ(j.at("smp_version").to_number<std::int64_t>(), 1);  // the agent speaks SMP v1
  EXPECT_EQ(j.at("sent").to_number<std::int64_t>(), 40);
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 40);
  EXPECT_EQ(j.at("errors").to_number<std::int64_t>(), 0);
  EXPECT_EQ(j.at("alg").as_string(), "ed25519");
  EXPECT_GT(j.at("msgs_per_s").to_number<double>(), 0);
  double p50 = j.at("p50_ms").to_number<double>(), p99 = j.at("p99_ms").to_number<double>();
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, p99);
  double join = j.at("join_con_p50_ms").to_number<double>();
  EXPECT_GT(join, 0);
  EXPECT_LE(join, j.at("join_con_max_ms").to_number<double>());
  // Two stores with two duplex connections each have grown.
  EXPECT_GT(j.at("sqlite_bytes_per_conn").to_number<double>(), 0);
  EXPECT_TRUE(j.contains("server_cpu_us_per_msg")) << run.output;
  // Both parties deleted every connection, and so its queues.
  EXPECT_EQ(server_.queues().size(), 0u);
}

TEST_F(SmpBenchTest, AgentModeBurstWithEd448Keys) {
  ToolRun run = run_tool(tool_, {"agent", "--server", address(), "--messages", "30", "--burst",
                                 "--alg", "ed448", "--quiet"});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  EXPECT_EQ(j.at("delivered").to_number<std::int64_t>(), 30) << run.output;
  EXPECT_EQ(j.at("alg").as_string(), "ed448");
  EXPECT_EQ(j.at("burst").as_bool(), true);
}

TEST_F(SmpBenchTest, AgentModeRefusesNonLoopbackTargetsUnlessAllowed) {
  std::string remote =
      fmt::format("smp://{}@192.0.2.1:5223", transport::fingerprint_string(server_.key_hash()));
  ToolRun run = run_tool(tool_, {"agent", "--server", remote, "--messages", "1"});
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("--allow-remote"), std::string::npos) << run.output;
}

TEST_F(SmpBenchTest, RefusesNonLoopbackTargetsUnlessAllowed) {
  std::string remote =
      fmt::format("smp://{}@192.0.2.1:5223", transport::fingerprint_string(server_.key_hash()));
  ToolRun run = run_tool(tool_, {"throughput", "--server", remote, "--messages", "1"});
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("--allow-remote"), std::string::npos) << run.output;
}

// storelog: every line is one the server's parser takes, in the counts the summary gives,
// and the same seed gives the same file.
TEST(SmpBenchStoreLog, WritesWellFormedLinesOfEveryKindReproducibly) {
  std::filesystem::path tool = tool_path("smp-bench");
  ASSERT_TRUE(std::filesystem::exists(tool)) << "build smp-bench first: " << tool;
  TempDir dir;
  auto path = (dir.path() / "store.log").string();
  ToolRun run = run_tool(tool, {"storelog", "--count", "2000", "--out", path, "--secure-percent",
                                "30", "--delete-percent", "10", "--alg", "ed448"});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  std::string text = read_file(path);
  EXPECT_EQ(j.at("bytes").to_number<std::uint64_t>(), text.size());
  // Counts by record: CREATE, SECURE, DELETE (and any other kind, which must not occur).
  std::map<std::size_t, std::uint64_t> kinds;
  std::uint64_t lines = 0;
  for (const std::string& line : lines_of(text)) {
    auto rec = server::parse_store_log_line(line);
    ASSERT_TRUE(rec) << line;
    const bool secure = std::holds_alternative<server::StoreLogSecure>(*rec);
    const bool del = std::holds_alternative<server::StoreLogDelete>(*rec);
    const bool create = std::holds_alternative<server::StoreLogCreate>(*rec);
    ++kinds[create ? 0 : secure ? 1 : del ? 3 : 99];
    ++lines;
    if (auto* c = std::get_if<server::StoreLogCreate>(&*rec)) {
      EXPECT_EQ(c->queue.recipient_key.algorithm(), crypto::KeyAlgorithm::ed448);
    }
  }
  EXPECT_EQ(kinds.count(99), 0u);
  EXPECT_EQ(kinds[0], 2000u);
  EXPECT_EQ(kinds[0], j.at("creates").to_number<std::uint64_t>());
  EXPECT_EQ(kinds[1], j.at("secures").to_number<std::uint64_t>());
  EXPECT_EQ(kinds[3], j.at("deletes").to_number<std::uint64_t>());
  EXPECT_GT(kinds[1], 300u);
  EXPECT_GT(kinds[3], 100u);
  EXPECT_EQ(j.at("live_queues").to_number<std::uint64_t>(), kinds[0] - kinds[3]);

  auto again = (dir.path() / "again.log").string();
  ASSERT_EQ(run_tool(tool, {"storelog", "--count", "2000", "--out", again, "--secure-percent",
                            "30", "--delete-percent", "10", "--alg", "ed448"})
                .status,
            0);
  EXPECT_EQ(read_file(again), text);
}

// startup: both alternating servers start on the log and reach Listening, and the summary
// has the wall and CPU time to its Listening line.
TEST(SmpBenchStartup, TimesTheServerToListeningOnAStoreLog) {
  std::filesystem::path tool = tool_path("smp-bench");
  std::filesystem::path server = tool_path("smp-server");
  ASSERT_TRUE(std::filesystem::exists(tool)) << "build smp-bench first: " << tool;
  ASSERT_TRUE(std::filesystem::exists(server)) << "build smp-server first: " << server;
  TempDir dir;
  auto log = (dir.path() / "store.log").string();
  ASSERT_EQ(run_tool(tool, {"storelog", "--count", "3000", "--out", log}).status, 0);
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  ToolRun run = run_tool(tool, {"startup", "--server-bin", server.string(), "--server-bin",
                                server.string(), "--store-log", log, "--rounds", "1", "--port",
                                std::to_string(port)});
  ASSERT_EQ(run.status, 0) << run.output;
  auto j = run.json();
  ASSERT_FALSE(j.empty()) << run.output;
  EXPECT_EQ(j.at("mode").as_string(), "startup");
  EXPECT_TRUE(j.at("smp_version").is_null());
  for (const char* key : {"wall_s", "wall_s_1"}) {
    EXPECT_GT(j.at(key).to_number<double>(), 0) << key;
    EXPECT_LT(j.at(key).to_number<double>(), 60) << key;
  }
  EXPECT_GE(j.at("cpu_s").to_number<double>(), 0);
  EXPECT_GT(j.at("rss_bytes").to_number<std::uint64_t>(), 0u);
  EXPECT_FALSE(std::filesystem::exists(log + ".tmp"));
  EXPECT_EQ(read_file(log).size(), std::filesystem::file_size(log));  // the input is untouched
}

TEST(SmpBenchStartup, FailsWhenTheServerCannotStart) {
  std::filesystem::path tool = tool_path("smp-bench");
  TempDir dir;
  auto log = (dir.path() / "store.log").string();
  { std::ofstream(log, std::ios::binary); }
  // A "server" that exits at once never prints Listening.
  ToolRun run = run_tool(tool, {"startup", "--server-bin", "/bin/true", "--store-log", log,
                                "--rounds", "1", "--timeout", "10"});
  EXPECT_NE(run.status, 0) << run.output;
}

}  // namespace
}  // namespace smp::test
