#include "smp/server/prometheus.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

namespace smp::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = net::ip::tcp;

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint64_t kMaxRequestBody = 1024;

void append_metric(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help, auto value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name,
                 help, type, value);
}

// The proxy role's counters under the reference's names (Server/Prometheus.hs at simplexmq
// 6.5.5): source "all", and "own" for the requests to the operator's own servers
// ([PROXY] own_server_domains).
void append_proxy_metrics(std::string& out, std::string_view kind, std::string_view what,
                          const ProxyCounts& all, const ProxyCounts& own) {
  fmt::format_to(std::back_inserter(out),
                 "# HELP simplex_smp_relay_{0}_requests {1} requests through relay.\n"
                 "# TYPE simplex_smp_relay_{0}_requests counter\n"
                 "simplex_smp_relay_{0}_requests{{source=\"all\"}} {2}\n"
                 "simplex_smp_relay_{0}_requests{{source=\"own\"}} {7}\n"
                 "# HELP simplex_smp_relay_{0}_successes Successful {1} requests through relay.\n"
                 "# TYPE simplex_smp_relay_{0}_successes counter\n"
                 "simplex_smp_relay_{0}_successes{{source=\"all\"}} {3}\n"
                 "simplex_smp_relay_{0}_successes{{source=\"own\"}} {8}\n"
                 "# HELP simplex_smp_relay_{0}_errors Failed {1} requests through relay.\n"
                 "# TYPE simplex_smp_relay_{0}_errors counter\n"
                 "simplex_smp_relay_{0}_errors{{source=\"all\",type=\"connect\"}} {4}\n"
                 "simplex_smp_relay_{0}_errors{{source=\"all\",type=\"compat\"}} {5}\n"
                 "simplex_smp_relay_{0}_errors{{source=\"all\",type=\"other\"}} {6}\n"
                 "simplex_smp_relay_{0}_errors{{source=\"own\",type=\"connect\"}} {9}\n"
                 "simplex_smp_relay_{0}_errors{{source=\"own\",type=\"compat\"}} {10}\n"
                 "simplex_smp_relay_{0}_errors{{source=\"own\",type=\"other\"}} {11}\n",
                 kind, what, all.requests, all.successes, all.errors_connect,
                 all.errors_compat, all.errors_other, own.requests, own.successes,
                 own.errors_connect, own.errors_compat, own.errors_other);
}

}  // namespace

std::string format_prometheus_metrics(const StatsSnapshot& s) {
  std::string out;
  append_metric(out, "smp_queues_created_total", "counter", "Queues created (NEW).",
                s.queues_created);
  append_metric(out, "smp_queues_secured_total", "counter", "Queues secured (KEY).",
                s.queues_secured);
  append_metric(out, "smp_queues_deleted_total", "counter", "Queues deleted (DEL).",
                s.queues_deleted);
  append_metric(out, "smp_messages_sent_total", "counter", "Messages accepted (SEND).",
                s.msgs_sent);
  append_metric(out, "smp_messages_delivered_total", "counter",
                "Messages delivered to recipients (MSG).", s.msgs_delivered);
  append_metric(out, "smp_messages_expired_total", "counter",
                "Messages deleted undelivered after their time to live.", s.msgs_expired);
  append_metric(out, "smp_connections_total", "counter", "Client connections established.",
                s.connections_total);
  append_metric(out, "smp_handshakes_failed_total", "counter",
                "Connections that failed the TLS or SMP handshake.", s.handshakes_failed);
  append_metric(out, "smp_connections_current", "gauge", "Client connections open now.",
                s.connections_current);
  append_metric(out, "smp_queues", "gauge", "Queues in the store now.", s.queues);
  append_proxy_metrics(out, "sessions", "Session", s.proxy_relays, s.proxy_relays_own);
  append_proxy_metrics(out, "messages", "Message", s.proxy_forwards, s.proxy_forwards_own);
  append_metric(out, "simplex_smp_relay_messages_received", "counter",
                "Messages forwarded to this server by proxies.", s.msgs_forwarded);
  return out;
}

struct detail::PrometheusState {
  explicit PrometheusState(net::any_io_executor executor) : acceptor(executor) {}
  Tcp::acceptor acceptor;
  std::function<StatsSnapshot()> source;
};

namespace {

http::response<http::string_body> respond(const http::request<http::string_body>& request,
                                          const std::function<StatsSnapshot()>& source) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "smp-server");
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.set(http::field::content_type, "text/plain");
    response.body() = "method not allowed\n";
  } else if (request.target() != "/metrics") {
    response.result(http::status::not_found);
    response.set(http::field::content_type, "text/plain");
    response.body() = "not found; metrics are at /metrics\n";
  } else {
    response.result(http::status::ok);
    response.set(http::field::content_type, kPrometheusContentType);
    response.body() = format_prometheus_metrics(source());
  }
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

net::awaitable<void> serve(Tcp::socket socket, std::shared_ptr<detail::PrometheusState> state) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    stream.expires_after(kRequestTimeout);
    auto [read_ec, n] =
        co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (read_ec) break;  // closed, timed out or malformed: nothing to answer
    auto response = respond(parser.get(), state->source);
    bool keep_alive = response.keep_alive();
    auto [write_ec, m] =
        co_await http::async_write(stream, response, net::as_tuple(net::use_awaitable));
    if (write_ec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(Tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(std::shared_ptr<detail::PrometheusState> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (!state->acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("metrics endpoint: accept failed: {}", ec.message());
      continue;
    }
    net::co_spawn(state->acceptor.get_executor(), serve(std::move(socket), state), net::detached);
  }
}

std::string describe_address(const std::string& host, std::uint16_t port) {
  return fmt::format("{}:{}", host.empty() ? "*" : host, port);
}

}  // namespace

AppResult<std::unique_ptr<PrometheusExporter>> PrometheusExporter::listen(
    net::any_io_executor executor, const std::string& host, std::uint16_t port,
    std::function<StatsSnapshot()> source) {
  auto fail = [&](std::string_view what, const beast::error_code& ec) {
    return AppError{fmt::format("cannot listen on {} for Prometheus metrics ({}): {}",
                                describe_address(host, port), what, ec.message())};
  };
  beast::error_code ec;
  Tcp::resolver resolver(executor);
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    Tcp::resolver::passive | Tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return fail("resolve", ec);
  Tcp::endpoint endpoint = endpoints.begin()->endpoint();

  auto state = std::make_shared<detail::PrometheusState>(executor);
  state->source = std::move(source);
  Tcp::acceptor& acceptor = state->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open", ec);
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) return fail("open", ec);
  if (acceptor.bind(endpoint, ec); ec) return fail("bind", ec);
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) return fail("listen", ec);
  std::uint16_t bound = acceptor.local_endpoint(ec).port();
  if (ec) return fail("listen", ec);

  net::co_spawn(executor, accept_loop(state), net::detached);
  return std::unique_ptr<PrometheusExporter>(new PrometheusExporter(std::move(state), bound));
}

PrometheusExporter::PrometheusExporter(std::shared_ptr<detail::PrometheusState> state, std::uint16_t port)
    : state_(std::move(state)), port_(port) {}

PrometheusExporter::~PrometheusExporter() { close(); }

void PrometheusExporter::close() {
  beast::error_code ignored;
  if (state_->acceptor.is_open()) state_->acceptor.close(ignored);
}

}  // namespace smp::server
