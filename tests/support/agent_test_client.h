// A blocking client of the agent's TLS port (spec §7.1) for tests: connect with the pinned CA
// key hash, read the welcome line, send transmissions (encoded) or raw bytes, and read the
// agent's transmissions (parsed, or as raw lines and bytes for byte-exact checks), each with
// a timeout. A reader coroutine keeps one read outstanding into an inbox; calls run the
// client's own io_context on the calling thread until what they wait for has arrived, so a
// timeout never disturbs the connection. Not thread-safe: one thread per client.
//
// Raw reads (read_line, read_bytes) and receive() share the inbox; do not switch between them
// in the middle of a transmission.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "smp/agent/agent_protocol.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/transport/stream_transport.h"

namespace smp::test {

using namespace std::chrono_literals;

class AgentTestClient {
 public:
  // TLS to host:port validating the agent's chain against `key_hash` (SHA-256 of its
  // ca.crt) and `host` as the name. Does not read the welcome line.
  static Result<std::unique_ptr<AgentTestClient>> try_connect(
      std::uint16_t port, const Bytes& key_hash, std::chrono::milliseconds timeout = 5s,
      const std::string& host = "127.0.0.1");
  // As try_connect, then reads and checks the welcome line; fails the test (returns null)
  // on any error.
  static std::unique_ptr<AgentTestClient> connect(std::uint16_t port, const Bytes& key_hash,
                                                  std::chrono::milliseconds timeout = 5s);
  ~AgentTestClient();
  AgentTestClient(const AgentTestClient&) = delete;
  AgentTestClient& operator=(const AgentTestClient&) = delete;

  // encode_transmission(corr_id, conn_id, command) written at once; fails the test on error.
  void send(std::string_view corr_id, std::string_view conn_id, const agent::AgentCommand& c);
  // Writes bytes as they are; false (no test failure) when the connection is closed.
  bool send_raw(std::string_view bytes);

  // The next transmission from the agent (parsed as a client does: Party::agent), or nullopt
  // when none is complete within `timeout` or the connection closed first.
  std::optional<agent::ReceivedTransmission> receive(std::chrono::milliseconds timeout = 5s);
  // send, then receive.
  std::optional<agent::ReceivedTransmission> request(std::string_view corr_id,
                                                     std::string_view conn_id,
                                                     const agent::AgentCommand& c,
                                                     std::chrono::milliseconds timeout = 5s);

  // The next line without its LF (a CR before it is kept), or nullopt on timeout / close.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
  // Exactly n bytes, or nullopt on timeout / close.
  std::optional<std::string> read_bytes(std::size_t n, std::chrono::milliseconds timeout = 5s);
  // True if nothing at all arrives within `wait` (the connection may have closed).
  bool nothing_within(std::chrono::milliseconds wait);

  // True once the agent has closed the connection (read EOF or error), waiting up to `timeout`
  // and discarding what arrives meanwhile.
  bool wait_closed(std::chrono::milliseconds timeout);
  bool closed() const { return closed_; }

  // Bytes received and not yet consumed.
  std::size_t pending_bytes() const { return inbox_.size(); }

 private:
  AgentTestClient() = default;
  void start_reader();
  // Runs the io_context until done() or the timeout; returns done().
  template <class Done>
  bool pump_until(Done done, std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  std::unique_ptr<transport::StreamTransport> transport_;
  std::string inbox_;
  bool closed_ = false;
  bool reader_done_ = false;
  agent::TransmissionParser parser_{agent::Party::agent};
};

// Expects `t` to be (corr_id, conn_id, command).
void expect_transmission(const std::optional<agent::ReceivedTransmission>& t,
                         std::string_view corr_id, std::string_view conn_id,
                         const agent::AgentCommand& command);
// Expects `t` to be ERR CMD <type> for (corr_id, conn_id).
void expect_cmd_error(const std::optional<agent::ReceivedTransmission>& t, std::string_view corr_id,
                      std::string_view conn_id, agent::CommandErrorType type);

}  // namespace smp::test
