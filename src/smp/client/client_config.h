// Settings and callbacks of one SMP client connection (the reference's SMPClientConfig,
// spec §4.8). Plain copyable values; the callbacks run on the connection's strand, must not
// block, and may call back into the client (its methods are thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/experimental/concurrent_channel.hpp>

#include "smp/client/client_types.h"
#include "smp/common/error.h"
#include "smp/protocol/versions.h"
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
  // What the connection offers. SMP v1 only by default (the agent speaks v1). With
  // current_and_v1 a server that selects ALPN "smp/1" agrees SMP 6..18 in the handshake
  // (block encryption included) and every SmpClient call speaks that version; any other
  // server gets SMP v1.
  transport::ClientProtocols protocols = transport::ClientProtocols::v1_only;
};

// What a tool's user asks for (`--smp auto|current|v1`): `automatic` offers the current
// generation and takes SMP v1 from a server that does not select it; `current` insists on
// 6..18 (check with accepts_version after connecting); `v1` offers SMP v1 only, as a v1.0.0
// client does.
enum class GenerationChoice : std::uint8_t { automatic, current, v1 };

// The names the tools accept for --smp.
inline const std::map<std::string, GenerationChoice> kGenerationNames{
    {"auto", GenerationChoice::automatic},
    {"current", GenerationChoice::current},
    {"v1", GenerationChoice::v1}};

constexpr transport::ClientProtocols protocols_for(GenerationChoice choice) {
  return choice == GenerationChoice::v1 ? transport::ClientProtocols::v1_only
                                        : transport::ClientProtocols::current_and_v1;
}
// Whether an agreed SMP version satisfies the choice (1 does not satisfy `current`).
constexpr bool accepts_version(GenerationChoice choice, std::uint16_t agreed) {
  return choice != GenerationChoice::current || agreed >= protocol::kCurrentMinVersion;
}

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
