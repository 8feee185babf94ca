#include "smp/server/prometheus.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "support/run_awaitable.h"

namespace smp::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = net::ip::tcp;

StatsSnapshot sample() {
  StatsSnapshot s;
  s.queues_created = 12;
  s.queues_secured = 9;
  s.queues_deleted = 2;
  s.msgs_sent = 5;
  s.msgs_delivered = 4;
  s.msgs_expired = 1;
  s.connections_total = 7;
  s.handshakes_failed = 3;
  s.connections_current = 2;
  s.queues = 10;
  s.proxy_relays = {.requests = 20, .successes = 17, .errors_connect = 2, .errors_compat = 1,
                    .errors_other = 0};
  s.proxy_relays_own = {.requests = 5, .successes = 4, .errors_connect = 1,
                        .errors_compat = 0, .errors_other = 0};
  s.proxy_forwards = {.requests = 30, .successes = 28, .errors_connect = 0,
                      .errors_compat = 0, .errors_other = 2};
  s.proxy_forwards_own = {.requests = 6, .successes = 3, .errors_connect = 0,
                          .errors_compat = 2, .errors_other = 1};
  s.msgs_forwarded = 40;
  return s;
}

TEST(Prometheus, MetricsTextHasEveryCounterWithItsType) {
  std::string text = format_prometheus_metrics(sample());
  for (const char* line :
       {"# TYPE smp_queues_created_total counter\nsmp_queues_created_total 12\n",
        "# TYPE smp_queues_secured_total counter\nsmp_queues_secured_total 9\n",
        "# TYPE smp_queues_deleted_total counter\nsmp_queues_deleted_total 2\n",
        "# TYPE smp_messages_sent_total counter\nsmp_messages_sent_total 5\n",
        "# TYPE smp_messages_delivered_total counter\nsmp_messages_delivered_total 4\n",
        "# TYPE smp_messages_expired_total counter\nsmp_messages_expired_total 1\n",
        "# TYPE smp_connections_total counter\nsmp_connections_total 7\n",
        "# TYPE smp_handshakes_failed_total counter\nsmp_handshakes_failed_total 3\n",
        "# TYPE smp_connections_current gauge\nsmp_connections_current 2\n",
        "# TYPE smp_queues gauge\nsmp_queues 10\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  EXPECT_EQ(text.back(), '\n');
}

// The proxy role's counters under the reference's metric names and labels.
TEST(Prometheus, ProxyCountersUseTheReferenceNames) {
  std::string text = format_prometheus_metrics(sample());
  for (const char* line :
       {"# TYPE simplex_smp_relay_sessions_requests counter\n"
        "simplex_smp_relay_sessions_requests{source=\"all\"} 20\n"
        "simplex_smp_relay_sessions_requests{source=\"own\"} 5\n",
        "# TYPE simplex_smp_relay_sessions_successes counter\n"
        "simplex_smp_relay_sessions_successes{source=\"all\"} 17\n"
        "simplex_smp_relay_sessions_successes{source=\"own\"} 4\n",
        "# TYPE simplex_smp_relay_sessions_errors counter\n"
        "simplex_smp_relay_sessions_errors{source=\"all\",type=\"connect\"} 2\n"
        "simplex_smp_relay_sessions_errors{source=\"all\",type=\"compat\"} 1\n"
        "simplex_smp_relay_sessions_errors{source=\"all\",type=\"other\"} 0\n"
        "simplex_smp_relay_sessions_errors{source=\"own\",type=\"connect\"} 1\n",
        "# TYPE simplex_smp_relay_messages_requests counter\n"
        "simplex_smp_relay_messages_requests{source=\"all\"} 30\n",
        "# TYPE simplex_smp_relay_messages_successes counter\n"
        "simplex_smp_relay_messages_successes{source=\"all\"} 28\n",
        "simplex_smp_relay_messages_errors{source=\"all\",type=\"other\"} 2\n"
        "simplex_smp_relay_messages_errors{source=\"own\",type=\"connect\"} 0\n"
        "simplex_smp_relay_messages_errors{source=\"own\",type=\"compat\"} 2\n"
        "simplex_smp_relay_messages_errors{source=\"own\",type=\"other\"} 1\n",
        "simplex_smp_relay_messages_requests{source=\"own\"} 6\n",
        "simplex_smp_relay_messages_successes{source=\"own\"} 3\n",
        "# TYPE simplex_smp_relay_messages_received counter\n"
        "simplex_smp_relay_messages_received 40\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

struct HttpResult {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

net::awaitable<HttpResult> http_request(std::uint16_t port, http::verb verb, std::string target) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  co_await stream.async_connect(Tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                net::use_awaitable);
  http::request<http::empty_body> request(verb, target, 11);
  request.set(http::field::host, "localhost");
  co_await http::async_write(stream, request, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  co_await http::async_read(stream, buffer, response, net::use_awaitable);
  co_return HttpResult{response.result_int(), std::string(response[http::field::content_type]),
                       response.body()};
}

class PrometheusExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = PrometheusExporter::listen(io_.get_executor(), "127.0.0.1", 0, [] { return sample(); });
    ASSERT_TRUE(made.has_value()) << made.error().message;
    exporter_ = std::move(*made);
  }

  HttpResult get(http::verb verb, std::string target) {
    auto r = test::run_awaitable(io_, http_request(exporter_->port(), verb, std::move(target)));
    return r.value_or(HttpResult{});
  }

  net::io_context io_;
  std::unique_ptr<PrometheusExporter> exporter_;
};

TEST_F(PrometheusExporterTest, ServesMetricsOnGet) {
  ASSERT_NE(exporter_->port(), 0);
  HttpResult r = get(http::verb::get, "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, kPrometheusContentType);
  EXPECT_EQ(r.body, format_prometheus_metrics(sample()));
}

TEST_F(PrometheusExporterTest, OtherPathsAreNotFoundAndOtherMethodsNotAllowed) {
  EXPECT_EQ(get(http::verb::get, "/").status, 404u);
  EXPECT_EQ(get(http::verb::get, "/metrics/x").status, 404u);
  EXPECT_EQ(get(http::verb::post, "/metrics").status, 405u);
  // Still serving after those.
  EXPECT_EQ(get(http::verb::get, "/metrics").status, 200u);
}

TEST_F(PrometheusExporterTest, BusyPortIsAClearError) {
  auto second = PrometheusExporter::listen(io_.get_executor(), "127.0.0.1", exporter_->port(),
                                           [] { return sample(); });
  ASSERT_FALSE(second.has_value());
  std::string message = second.error().message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(exporter_->port())), std::string::npos)
      << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
}

TEST_F(PrometheusExporterTest, ClosedExporterRefusesConnections) {
  std::uint16_t port = exporter_->port();
  exporter_->close();
  auto refused = test::run_awaitable(io_, [](std::uint16_t p) -> net::awaitable<bool> {
    Tcp::socket socket(co_await net::this_coro::executor);
    auto [ec] = co_await socket.async_connect(
        Tcp::endpoint(net::ip::make_address("127.0.0.1"), p), net::as_tuple(net::use_awaitable));
    co_return static_cast<bool>(ec);
  }(port));
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(*refused);
}

}  // namespace
}  // namespace smp::server
