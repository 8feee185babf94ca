// The machinery under SmpClient: one established connection with a reader coroutine that
// routes answers by corrId (correlation.h), a writer coroutine draining the outgoing blocks,
// and the keep-alive PING loop. Shape of the server session with the roles swapped.
//
// Strand-bound: every member runs on strand(). The three coroutines and every request hold a
// shared_ptr to the connection, so it lives while any of them runs. The outgoing queue holds
// at most one block per outstanding request (plus one PING), so it needs no other bound.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "smp/client/client_config.h"
#include "smp/client/correlation.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/transport/block_transport.h"

namespace smp::client::detail {

// Completes a command that depends on its own corrId (NEW with a short link: the sender id is
// derived from it) before it is encoded. Views it stores in the command must stay valid until
// the request returns.
using CorrIdBinder = std::function<void(ByteView corr_id, protocol::Command& command)>;

// What a request may ask beyond the defaults.
struct RequestOptions {
  CorrIdBinder bind{};
  // Sent instead of the next counter value (PFWD's corrId is its nonce). Random bytes of
  // another length than a counter's text, so that it cannot meet a counter value.
  std::string corr_id{};
  // Instead of config.command_timeout (a proxy waits for the destination too).
  std::optional<std::chrono::steady_clock::duration> timeout{};
  // Receives the server's ERR in full when the request fails with one.
  protocol::SmpError* server_error = nullptr;
};

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  using Strand = net::strand<net::any_io_executor>;

  // `transport` must be bound to `strand` and past the SMP handshake.
  ClientConnection(Strand strand, std::unique_ptr<transport::BlockTransport> transport,
                   ClientConfig config, ClientCallbacks callbacks);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Spawns the reader, writer and keep-alive loops. REQUIRES: called once.
  void start();

  using CorrIdBinder = detail::CorrIdBinder;
  using RequestOptions = detail::RequestOptions;

  // Sends one command (signed with `key` when non-null) and waits for its answer.
  // errc::connection_closed when the connection is or becomes closed; errc::timeout after
  // config.command_timeout; otherwise as interpret_response. `queue_id`, `command`, `key`
  // and `options` (null: the defaults) need only live until the call returns; options are
  // taken by pointer, as a class argument of a coroutine is copied into its frame and GCC 12
  // mishandles such a copy of a temporary. REQUIRES: runs on strand().
  static net::awaitable<Result<Reply>> request(std::shared_ptr<ClientConnection> self,
                                               ByteView queue_id, const protocol::Command& command,
                                               const crypto::PrivateKey* key,
                                               const RequestOptions* options = nullptr);

  // Closes the transport and fails pending requests; on_disconnect does not run.
  // Idempotent. REQUIRES: runs on strand().
  void close();

  const Strand& strand() const { return strand_; }
  // Fixed at construction; safe from any thread.
  const ClientConfig& config() const { return config_; }
  ByteView session_id() const { return session_id_; }
  // What the handshake agreed; fixed before the connection exists, so safe from any thread.
  const transport::SessionParams& params() const { return transport_->params(); }
  // Safe from any thread.
  bool is_open() const { return open_.load(std::memory_order_acquire); }
  ClientStats stats() const;

 private:
  static net::awaitable<void> read_loop(std::shared_ptr<ClientConnection> self);
  static net::awaitable<void> write_loop(std::shared_ptr<ClientConnection> self);
  static net::awaitable<void> keep_alive_loop(std::shared_ptr<ClientConnection> self);

  net::awaitable<void> deliver(ServerEvent event);
  void enqueue(Bytes content);
  // The transmission codec's parameters (the agreed version, the session id).
  protocol::TransmissionParams transmission_params() const;
  // A request's block content, in the connection's generation.
  Result<Bytes> encode_request(const protocol::TransmissionIds& ids,
                               const protocol::Command& command,
                               const crypto::PrivateKey* key) const;
  // Ends the connection once: closes, fails every request with connection_closed, and runs
  // on_disconnect(reason) unless the close was ours.
  void shut_down(error_code reason, bool local);

  const Strand strand_;
  const std::unique_ptr<transport::BlockTransport> transport_;
  const ClientConfig config_;
  const ClientCallbacks callbacks_;
  const Bytes session_id_;

  std::atomic<bool> open_{true};
  RequestTable table_;
  std::deque<Bytes> outgoing_;
  net::steady_timer write_signal_;  // parked at time_point::max(); cancel_one() wakes the writer
  net::steady_timer ping_timer_;

  // Written on the strand, read from any thread by stats().
  std::atomic<std::uint64_t> requests_{0}, timeouts_{0}, events_{0}, pings_sent_{0},
      pongs_received_{0};
};

}  // namespace smp::client::detail
