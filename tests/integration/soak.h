// Knobs and shorthands shared by the soak and robustness tests of the smp-server process.
// SMP_SOAK_SCALE (a whole number, default 1) multiplies their counts: CI runs the default,
// a longer local soak sets e.g. SMP_SOAK_SCALE=10. Commands here never fail the test by
// themselves (a connection to a server that was just killed is expected to fail): they return
// nullopt/false and the caller decides. Not thread-safe per client; one thread per client.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "server_test_util.h"
#include "smp/transport/connect.h"
#include "support/run_awaitable.h"

namespace smp::test {

// True in ASan/UBSan and TSan builds (the server binary is built the same way): their
// allocators keep freed memory (ASan's quarantine alone is 256 MB), so resident-memory bounds
// are reported there but asserted only in normal builds. Timings stay asserted, with margins
// wide enough for a sanitizer's slowdown.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif
#else
inline constexpr bool kSanitizerBuild = false;
#endif

inline int soak_scale() {
  const char* v = std::getenv("SMP_SOAK_SCALE");
  int n = v ? std::atoi(v) : 1;
  return n < 1 ? 1 : n;
}

// `base` × SMP_SOAK_SCALE.
inline int soak_count(int base) { return base * soak_scale(); }

// Sends one command and reads one transmission; nullopt when either fails or nothing comes
// within `timeout`.
inline std::optional<Reply> try_request(TestClient& c, std::string_view corr_id, ByteView queue_id,
                                        const protocol::Command& command,
                                        const crypto::PrivateKey* key = nullptr,
                                        std::chrono::milliseconds timeout = 5s) {
  protocol::TransmissionIds ids{c.session_id(), as_bytes(corr_id), queue_id};
  auto content = protocol::encode_command_transmission(ids, command, key);
  if (!content) return std::nullopt;
  auto written = run_awaitable(c.io(), c.transport().write_block(*content), timeout);
  if (!written || !*written) return std::nullopt;
  return c.receive(timeout, /*expect_failure=*/true);
}

// NEW with fresh Ed25519 keys; nullopt unless the answer is IDS.
inline std::optional<RecipientQueue> try_create_queue(TestClient& c, std::string_view corr_id) {
  RecipientQueue q{.rid = {},
                   .sid = {},
                   .rcv_key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519),
                   .dh_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519),
                   .server_dh = std::nullopt};
  auto r = try_request(c, corr_id, {}, cmd::New{q.rcv_key.public_key, q.dh_key.public_key},
                       q.key());
  const auto* ids = r ? r->as<msg::Ids>() : nullptr;
  if (ids == nullptr) return std::nullopt;
  q.rid = to_bytes(ids->rcv_id);
  q.sid = to_bytes(ids->snd_id);
  q.server_dh = ids->srv_dh_key;
  return q;
}

// A connection that completes TLS to 127.0.0.1:port and then says nothing (no SMP handshake);
// null if TLS failed. Closed when destroyed.
struct TlsOnlyConnection {
  boost::asio::io_context io;
  std::unique_ptr<transport::StreamTransport> stream;
  int native_handle() { return stream->socket().native_handle(); }
};

inline std::unique_ptr<TlsOnlyConnection> open_tls_only(std::uint16_t port, const Bytes& key_hash) {
  auto s = std::make_unique<TlsOnlyConnection>();
  auto ctx = transport::shared_client_context();
  if (!ctx) return nullptr;
  auto t = run_awaitable(s->io,
                         transport::connect_stream(s->io.get_executor(), **ctx, "127.0.0.1",
                                                   std::to_string(port), key_hash,
                                                   transport::TransportKind::tls, 5s, false),
                         6s);
  if (!t || !*t) return nullptr;
  s->stream = std::move(**t);
  return s;
}

}  // namespace smp::test
