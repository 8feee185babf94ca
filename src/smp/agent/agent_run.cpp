#include "smp/agent/agent_run.h"

#include <unistd.h>

#include <csignal>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "smp/agent/agent_credentials.h"
#include "smp/common/console_log.h"
#include "smp/agent/agent_server.h"
#include "smp/transport/certificates.h"

namespace smp::agent {

namespace net = boost::asio;

namespace {

// After a signal, how long sessions may take to close before the loop is stopped anyway.
constexpr auto kStopGrace = std::chrono::seconds(2);

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

void setup_logging(LogLevel level) {
  auto logger = std::make_shared<spdlog::logger>(
      "smp-agent", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(spdlog_level(level));
  set_console_format(*logger, is_journal_stream(STDERR_FILENO));
  spdlog::set_default_logger(logger);
}

int fail(std::ostream& err, std::string_view message) {
  err << "Error: " << message << std::endl;
  return 1;
}

}  // namespace

int run_agent(const AgentOptions& options, const AgentFactoryMaker& make_factory, std::ostream& out,
              std::ostream& err) {
  try {
    setup_logging(options.log_level);
    auto credentials = load_or_create_agent_credentials(options.cert_dir);
    if (!credentials) return fail(err, credentials.error().message);

    net::io_context io(1);
    // Made once the port is bound, so that a busy port is one line, before the database says
    // anything; no session asks for an agent before io.run().
    auto factory = std::make_shared<AgentFactory>();
    auto forward = [factory](AgentEventSink sink) { return (*factory)(std::move(sink)); };

    // Installed before listening, so that a signal right after the banner stops cleanly.
    net::signal_set signals(io, SIGINT, SIGTERM);
    AgentServerConfig config;
    config.host = options.host;
    config.port = options.port;
    AgentServer server(io, config, std::move(credentials->tls), forward);
    if (auto started = server.start(); !started) return fail(err, started.error().message);
    auto made = make_factory(options, io.get_executor());
    if (!made) return fail(err, made.error().message);
    *factory = std::move(*made);
    out << "SMP agent listening on port " << server.port() << std::endl;
    // Logged once started, so that a failed start prints nothing but its error line.
    if (credentials->created) {
      spdlog::info("created the agent's TLS credentials in {}", options.cert_dir.string());
    }
    spdlog::info("agent CA fingerprint: {}", transport::fingerprint_string(credentials->key_hash));

    net::steady_timer grace(io);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("signal {}: stopping", signal);
      server.stop([&io] { io.stop(); });
      grace.expires_after(kStopGrace);
      grace.async_wait([&io](const boost::system::error_code& wait_ec) {
        if (!wait_ec) io.stop();
      });
    });
    io.run();
    spdlog::info("agent stopped");
    return 0;
  } catch (const std::exception& e) {
    return fail(err, e.what());
  }
}

}  // namespace smp::agent
