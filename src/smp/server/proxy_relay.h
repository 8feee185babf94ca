// ProxyRelay: this server's own connection to one destination server when it acts as an
// SMP proxy (the SMPClient of the reference's proxy agent, Client.hs at simplexmq 6.5.5):
// TLS 1.3/1.2 with ALPN "smp/1", the chain checked against the key hash of the destination's
// address, the current handshake as a proxy (proxyServer; no block encryption), the signed
// DH key of the destination verified; then RFWD requests, one per block, matched to their
// RRES answers by corrId.
//
// Deadlines: the connection (TCP, through SOCKS5 when the destination says so, + TLS +
// handshake) must be up within connect_timeout; every
// request must be answered within request_timeout (else PROXY BROKER TIMEOUT). A request that
// times out while nothing at all came from the destination since it was sent closes the
// relay (a dead destination); so does idle_timeout without a request. At most max_pending
// requests wait for an answer (more: PROXY BROKER TIMEOUT at once), so a destination that
// stops reading holds a bounded amount of memory.
//
// Strand-bound: every member function runs on executor(), a strand of its own; other
// executors reach it through co_spawn (ProxyPool). Owned by shared_ptrs (the pool and the
// relay's own coroutines). The observer is told, on the relay's strand, when the connection
// is up and when the relay is closed; it must outlive the relay's coroutines.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>

#include "smp/common/bytes.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/protocol/versions.h"
#include "smp/server/proxy_answer.h"
#include "smp/server/proxy_error.h"
#include "smp/transport/block_transport.h"
#include "smp/transport/socks5.h"

namespace smp::server {

namespace net = boost::asio;

// A destination as PRXY names it: the host chosen from its address, the port ("" = 5223)
// and the key hash the destination's CA certificate must have; and how to reach it:
// through this SOCKS5 proxy (which resolves the host), or directly when unset.
struct ProxyDestination {
  std::string host;
  std::string port;
  Bytes key_hash;
  std::optional<transport::SocksProxy> socks = std::nullopt;
  // One of the operator's own servers ([PROXY] own_server_domains): counted in "own" too.
  bool own = false;
  // The pool's key: one relay per destination address.
  std::string key() const;
};

struct ProxyLimits {
  std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(45);
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(30);
  std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(10);
  std::size_t max_pending = 1024;
};

// A client's PFWD, to be forwarded as RFWD.
struct ForwardRequest {
  Bytes corr_id;  // the PFWD's corrId: the nonce the client encrypted with
  protocol::SmpVersion version = 0;
  crypto::PublicKey key;  // the client's X25519 key
  Bytes encrypted;
};

class ProxyRelay : public std::enable_shared_from_this<ProxyRelay> {
 public:
  class Observer {
   public:
    virtual ~Observer() = default;
    virtual void relay_connected(const std::shared_ptr<ProxyRelay>& relay, ByteView session_id) = 0;
    // `connect_failed`: the relay never connected.
    virtual void relay_closed(const ProxyRelay& relay, bool connect_failed) = 0;
  };

  // Starts connecting at once, on a new strand of `executor`.
  static std::shared_ptr<ProxyRelay> start(const net::any_io_executor& executor,
                                           ProxyDestination destination, ProxyLimits limits,
                                           Observer& observer);
  ~ProxyRelay();
  ProxyRelay(const ProxyRelay&) = delete;
  ProxyRelay& operator=(const ProxyRelay&) = delete;

  const net::any_io_executor& executor() const { return executor_; }
  const ProxyDestination& destination() const { return destination_; }

  // Waits for the connection, then the PKEY content, or the error the reference's proxy
  // answers PRXY with: the connect error, or relay_key_of's (proxy_answer.h).
  net::awaitable<ProxyAnswer<RelayKey>> key();
  // RFWD with the client's transmission, the answer opened (open_forward_answer): the
  // client's encrypted response for PRES, or the error.
  net::awaitable<ProxyAnswer<Bytes>> forward(ForwardRequest request);
  // Closes the connection; waiting requests get PROXY BROKER NETWORK. Idempotent.
  void close();

 private:
  enum class State : std::uint8_t { connecting, ready, closed };
  struct Pending {
    explicit Pending(const net::any_io_executor& ex) : wake(ex) {}
    net::steady_timer wake;
    crypto::CbNonce nonce{};
    std::chrono::steady_clock::time_point sent_at;
    std::optional<ProxyAnswer<Bytes>> answer;
  };

  ProxyRelay(const net::any_io_executor& executor, ProxyDestination destination,
             ProxyLimits limits, Observer& observer);
  net::awaitable<void> run();
  net::awaitable<void> writer();
  net::awaitable<void> idle_watchdog();
  void handle_block(ByteView content);
  void finish(Pending& p, ProxyAnswer<Bytes> answer);

  const net::any_io_executor executor_;
  const ProxyDestination destination_;
  const ProxyLimits limits_;
  Observer& observer_;

  State state_ = State::connecting;
  bool connect_failed_ = false;
  std::optional<protocol::SmpError> connect_error_;
  std::unique_ptr<transport::BlockTransport> transport_;
  std::optional<crypto::CbKey> session_key_;  // from the handshake's session secret
  net::steady_timer connected_wake_;          // parked at max(); cancelled once connected

  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;  // by RFWD corrId
  std::deque<Bytes> outgoing_;                         // block contents waiting for the writer
  net::steady_timer writer_wake_;
  net::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_used_;
  std::chrono::steady_clock::time_point last_received_;
};

}  // namespace smp::server
