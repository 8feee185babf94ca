// Settings and callbacks of one SMP client connection (the reference's SMPClientConfig,
// spec §4.8). Plain copyable values; the callbacks run on the connection's strand, must not
// block, and may call back into the client (its methods are thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/experimental/concurrent_channel.hpp>

#include "smp/client/client_types.h"
#include "smp/common/error.h"
#include "smp/transport/tls.h"

namespace smp::client {

namespace net = boost::asio;
using namespace std::chrono_literals;

struct ClientConfig {
  // TCP connect + TLS (+ WebSocket) + SMP handshake must finish within this (tcpTimeout).
  std::chrono::steady_clock::duration connect_timeout = 4s;
  // Each command waits at most this long for its answer → errc::timeout.
  std::chrono::steady_clock::duration command_timeout = 4s;
  // A PING is sent every interval regardless of traffic (smpPing); zero turns it off.
  std::chrono::steady_clock::duration ping_interval = 30s;
  // What the connection offers. The commands are SMP v1's, so the default is v1 only. With
  // current_and_v1 a server that selects ALPN "smp/1" agrees SMP 6..18 in the handshake
  // (block encryption included) and the v1 commands go inside that transport — until the
  // 6..18 command layer uses the transport's params().
  transport::ClientProtocols protocols = transport::ClientProtocols::v1_only;
};

// A caller-owned queue of server events. When the client is given one, its reader waits
// while the channel is full (so a slow consumer slows the connection instead of losing
// messages) and drops events once the channel is closed.
using EventChannel = boost::asio::experimental::concurrent_channel<void(error_code, ServerEvent)>;

struct ClientCallbacks {
  // Server events (MSG/END/NMSG) in arrival order; ignored when event_channel is set.
  std::function<void(ServerEvent)> on_event;
  std::shared_ptr<EventChannel> event_channel;
  // Runs once when the connection is lost (peer close, network error, server garbage that
  // breaks the stream) — not after close(). Every pending request has already failed with
  // errc::connection_closed. The reason is the transport's error value.
  std::function<void(error_code)> on_disconnect;
};

}  // namespace smp::client
