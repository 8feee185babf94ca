// A minimal blocking client of the current generation (ALPN "smp/1", SMP 6..18) for
// integration tests: connect with the current handshake, send batches of commands authorized
// as asked (Ed25519/Ed448 signatures or X25519 crypto_box authenticators), and read the
// broker transmissions of each block one by one. Each client runs its own io_context on the
// calling thread while a call is in progress. Not thread-safe: one thread per client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/protocol/rcv_message.h"
#include "smp/transport/block_transport.h"
#include "smp/transport/connect.h"
#include "smp/transport/current_hello.h"

namespace smp::test {

using namespace std::chrono_literals;

// One broker transmission of a received batch; owns its block's bytes (shared with the
// other transmissions of the block).
class CurrentReply {
 public:
  CurrentReply(std::shared_ptr<const Bytes> block, protocol::ReceivedBrokerMessage parsed)
      : block_(std::move(block)), parsed_(std::move(parsed)) {}

  std::string corr_id() const { return std::string(as_chars(parsed_.corr_id)); }
  Bytes entity_id() const { return to_bytes(parsed_.queue_id); }
  errc parse_error() const { return parsed_.error(); }
  template <class M>
  const M* as() const {
    return parsed_.message ? std::get_if<M>(&*parsed_.message) : nullptr;
  }
  // The ERR's error (code errc::ok for anything else).
  protocol::SmpError err() const;
  std::string tag() const;

 private:
  std::shared_ptr<const Bytes> block_;
  protocol::ReceivedBrokerMessage parsed_;
};

// One transmission to send: ids, command and how it is authorized (key may be null).
struct Outbound {
  std::string corr_id;
  Bytes entity_id;
  protocol::Command command;
  const crypto::PrivateKey* key = nullptr;
};

class CurrentTestClient {
 public:
  // TLS 1.3 + ALPN smp/1 + the current handshake to 127.0.0.1:port; null (and a test
  // failure) on error, or when the server did not agree to the current generation.
  static std::unique_ptr<CurrentTestClient> connect(
      std::uint16_t port, const Bytes& key_hash, transport::ClientHandshakeOptions options = {},
      std::chrono::milliseconds timeout = 5s,
      transport::TransportKind kind = transport::TransportKind::tls);
  ~CurrentTestClient();

  const transport::SessionParams& params() const { return transport_->params(); }
  protocol::TransmissionParams tparams() const;
  ByteView session_id() const { return transport_->session_id(); }

  // Sends the transmissions in one block.
  void send(const std::vector<Outbound>& batch);
  void send(std::string_view corr_id, ByteView entity_id, const protocol::Command& c,
            const crypto::PrivateKey* key = nullptr) {
    send({Outbound{std::string(corr_id), to_bytes(entity_id), c, key}});
  }
  // Sends `content` padded into one block as it is.
  void send_content(ByteView content);

  // The next transmission (from the block already read, or the next block); nullopt (and a
  // test failure unless `expect_failure`) when nothing arrives within `timeout`.
  std::optional<CurrentReply> receive(std::chrono::milliseconds timeout = 5s,
                                      bool expect_failure = false);
  // How many transmissions the last block read carried.
  std::size_t last_batch_size() const { return last_batch_size_; }
  // send, then receive until the transmission with this corrId (others stay queued for
  // receive()).
  std::optional<CurrentReply> request(std::string_view corr_id, ByteView entity_id,
                                      const protocol::Command& c,
                                      const crypto::PrivateKey* key = nullptr);
  // True if nothing arrives within `timeout`; the wait closes the connection (use it last).
  bool nothing_within(std::chrono::milliseconds timeout);

 private:
  CurrentTestClient() = default;
  bool read_block(std::chrono::milliseconds timeout, bool expect_failure);

  boost::asio::io_context io_;
  std::unique_ptr<transport::BlockTransport> transport_;
  std::deque<CurrentReply> pending_;
  std::size_t last_batch_size_ = 0;
};

// A queue as its recipient knows it after NEW on the current generation.
struct CurrentQueue {
  Bytes rid{};
  Bytes sid{};
  crypto::KeyPair rcv_key;  // Ed25519 or X25519
  crypto::KeyPair dh_key;   // X25519
  crypto::PublicKey server_dh;
  std::optional<Bytes> link_id{};
  // v17+: the notifier NEW made when it carried notifier credentials (IDS's ServerNtfCreds).
  std::optional<Bytes> notifier_id{};
  std::optional<crypto::PublicKey> server_ntf_dh{};
  const crypto::PrivateKey* key() const { return &rcv_key.private_key; }
};

// NEW with fresh keys (the recipient key of `alg`), subscribe mode; fails the test unless the
// answer is IDS. `adjust` may change the command before it is sent.
CurrentQueue create_current_queue(CurrentTestClient& c, std::string_view corr_id = "new",
                                  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519,
                                  const std::function<void(protocol::cmd::New&)>& adjust = {});

// The recipient's view of a MSG (protocol/rcv_message.h).
struct OpenedMessage {
  Bytes plain;
  protocol::RcvMessage message;  // views into plain
};
std::optional<OpenedMessage> open_current_message(const CurrentQueue& q,
                                                  const protocol::msg::Msg& m);

}  // namespace smp::test
