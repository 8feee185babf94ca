// A minimal blocking SMP client for integration tests, built from the protocol codec and the
// transport: connect (TLS + SMP handshake), send commands (signed or not) or raw bytes, read
// broker transmissions. Each client runs its own io_context on the calling thread while a
// call is in progress, so tests read like a script. Not thread-safe: one thread per client.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"
#include "smp/protocol/transmission.h"
#include "smp/transport/stream_transport.h"

namespace smp::test {

using namespace std::chrono_literals;

// One received broker transmission, owning its bytes (the parsed views point into them).
// Move-only: moving keeps the byte buffer in place.
class Reply {
 public:
  Reply(Bytes content, ByteView session_id);
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  std::string corr_id() const { return std::string(as_chars(parsed_.corr_id)); }
  Bytes queue_id() const { return to_bytes(parsed_.queue_id); }
  // errc::ok unless the block did not parse (as the client sees it).
  errc parse_error() const { return parsed_.error(); }
  // The broker message, or null when it is of another type or did not parse.
  template <class M>
  const M* as() const {
    return parsed_.message ? std::get_if<M>(&*parsed_.message) : nullptr;
  }
  // The error of an ERR, errc::ok for anything else.
  errc err() const;
  // "OK", "MSG", "ERR", ... ("?" when it did not parse).
  std::string tag() const;
  const Bytes& content() const { return content_; }

 private:
  Bytes content_;
  protocol::ReceivedBrokerMessage parsed_;
};

class TestClient {
 public:
  // TLS + SMP handshake to 127.0.0.1:port; fails the test (returns null) on error. With
  // `protocols` current_and_v1 the client offers ALPN "smp/1" (the current generation).
  static std::unique_ptr<TestClient> connect(
      std::uint16_t port, const Bytes& key_hash, std::chrono::milliseconds timeout = 5s,
      transport::TransportKind kind = transport::TransportKind::tls,
      transport::ClientProtocols protocols = transport::ClientProtocols::v1_only);
  ~TestClient();

  ByteView session_id() const;
  // What the handshake agreed.
  const transport::SessionParams& params() const;

  // Sends one command; signed with `key` when not null. Fails the test on a transport error.
  void send(std::string_view corr_id, ByteView queue_id, const protocol::Command& c,
            const crypto::PrivateKey* key = nullptr);
  // Sends `content` padded into one block.
  void send_content(ByteView content);
  // Writes `bytes` to the TLS stream as they are (e.g. a block with a bad length word).
  void send_raw(ByteView bytes);

  // The next transmission; nullopt (and a test failure unless `expect_failure`) when the
  // connection closes or nothing arrives within `timeout`. A timeout closes the connection.
  std::optional<Reply> receive(std::chrono::milliseconds timeout = 5s,
                               bool expect_failure = false);
  // send then receive.
  std::optional<Reply> request(std::string_view corr_id, ByteView queue_id,
                               const protocol::Command& c,
                               const crypto::PrivateKey* key = nullptr);

  // True if the server closes the connection within `timeout` (reads and discards blocks).
  bool wait_closed(std::chrono::milliseconds timeout);

  transport::StreamTransport& transport() { return *transport_; }
  boost::asio::io_context& io() { return io_; }

 private:
  TestClient() = default;

  boost::asio::io_context io_;
  std::unique_ptr<transport::StreamTransport> transport_;
};

// --- Queue helpers -----------------------------------------------------------------------------

// A queue as its recipient knows it after NEW.
struct RecipientQueue {
  Bytes rid, sid;
  crypto::KeyPair rcv_key;   // Ed25519 (or Ed448)
  crypto::KeyPair dh_key;    // X25519
  std::optional<crypto::PublicKey> server_dh;
  const crypto::PrivateKey* key() const { return &rcv_key.private_key; }
};

// NEW with fresh keys; fails the test unless the answer is IDS.
RecipientQueue create_queue(TestClient& c, std::string_view corr_id = "new",
                            crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519);
// The plaintext of a MSG body as the recipient decrypts it (nonce = msgId).
Result<Bytes> decrypt_message(const RecipientQueue& q, const protocol::msg::Msg& m);

}  // namespace smp::test
