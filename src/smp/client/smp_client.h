// SmpClient: one connection to an SMP server (spec §4.8, the reference's Client.hs) with a
// typed awaitable call per command. Commands may overlap; each is matched to its answer by
// corrId ("0", "1", ...) and waits at most config.command_timeout (errc::timeout).
//
// Thread safety: every method may be called from any thread and any executor. Each command
// hops onto the connection's strand and resumes the caller on its own executor. Callbacks
// (ClientCallbacks) run on that strand. Arguments passed by reference or view need only stay
// alive until the awaited call completes.
//
// Errors are values: ERR from the server is its smp_* errc (smp_auth, smp_no_msg, ...); an
// answer for another queue or of the wrong kind is errc::unexpected_response; an unparsable
// one errc::response_parse. When the connection drops, pending and later calls fail with
// errc::connection_closed (never hang) and on_disconnect runs once; the client does not
// reconnect (the owner does, with a new SmpClient). Destroying the client closes it.
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "smp/client/client_config.h"
#include "smp/client/client_types.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"
#include "smp/protocol/server_address.h"
#include "smp/transport/block_transport.h"

namespace smp::client {

namespace detail {
class ClientConnection;
}

// A queue made by create_queue's generating form, with every key its recipient keeps.
// Move-only (holds private keys).
struct NewQueue {
  QueueIds ids;
  crypto::PrivateKey recipient_key;  // signs the recipient's commands (Ed25519 / Ed448)
  crypto::PrivateKey dh_key;         // X25519, its public half went in NEW
  SecretBytes dh_secret;             // DH(ids.server_dh_key, dh_key): opens MSG bodies
};

class SmpClient {
 public:
  // TCP + TLS (+ WebSocket for port "80") + SMP handshake to `server` (port "" → 5223),
  // all within config.connect_timeout. Errors: errc::timeout, errc::network (resolve or
  // connect failed), errc::tls_failure (including a server whose certificate does not
  // match the address's key hash), errc::bad_session, errc::handshake_parse /
  // handshake_version, errc::connection_closed. The connection runs on a new strand of `ex`.
  static net::awaitable<Result<std::unique_ptr<SmpClient>>> connect(net::any_io_executor ex,
                                                                    protocol::SmpServer server,
                                                                    ClientConfig config = {},
                                                                    ClientCallbacks callbacks = {});

  SmpClient(const SmpClient&) = delete;
  SmpClient& operator=(const SmpClient&) = delete;
  ~SmpClient();

  const protocol::SmpServer& server() const { return server_; }
  // tls-unique of the connection (12 bytes with TLS 1.2, 32 with TLS 1.3).
  ByteView session_id() const;
  // What the handshake agreed: SMP v1, or (config.protocols current_and_v1 with a server
  // that selected ALPN "smp/1") the current generation's version and parameters.
  const transport::SessionParams& params() const;
  bool is_open() const;
  // Closes the connection: pending calls fail with errc::connection_closed, on_disconnect
  // does not run. Idempotent; returns at once.
  void close();
  ClientStats stats() const;

  // NEW, signed with recipient_key; recipient_dh_key is X25519. Generates nothing.
  net::awaitable<Result<QueueIds>> create_queue(const crypto::PrivateKey& recipient_key,
                                                const crypto::PublicKey& recipient_dh_key);
  // NEW with a fresh recipient key of `algorithm` (Ed25519 or Ed448) and a fresh X25519 key;
  // also computes the queue's DH secret.
  net::awaitable<Result<NewQueue>> create_queue(
      crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::ed25519);
  // SUB. A MSG answer goes to the event sink and the call succeeds.
  net::awaitable<Result<void>> subscribe(const crypto::PrivateKey& recipient_key,
                                         ByteView recipient_id);
  // KEY: from now on only SENDs signed by sender_key's private half are accepted.
  net::awaitable<Result<void>> secure_queue(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id,
                                            const crypto::PublicKey& sender_key);
  // NKEY; returns the notifier id.
  net::awaitable<Result<Bytes>> enable_notifications(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id,
                                                     const crypto::PublicKey& notifier_key);
  // ACK of the last delivered message. A MSG answer (the next message) goes to the event sink.
  net::awaitable<Result<void>> ack(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  // OFF: no more SENDs; messages already queued can still be received.
  net::awaitable<Result<void>> suspend_queue(const crypto::PrivateKey& recipient_key,
                                             ByteView recipient_id);
  // DEL: the queue and its messages are gone.
  net::awaitable<Result<void>> delete_queue(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id);
  // SEND, signed with sender_key, or unsigned when it is null (a queue not yet secured).
  // Bodies over 16088 bytes get errc::smp_large_msg from the server; a transmission that
  // cannot fit one block is refused here with errc::transport_large_msg (nothing is sent).
  net::awaitable<Result<void>> send_message(const crypto::PrivateKey* sender_key,
                                            ByteView sender_id, ByteView body);
  // PING → PONG.
  net::awaitable<Result<void>> ping();
  // NSUB, signed with the notifier key.
  net::awaitable<Result<void>> subscribe_notifications(const crypto::PrivateKey& notifier_key,
                                                       ByteView notifier_id);

  // Any command, for callers that build their own: the matched answer as an owned Reply.
  net::awaitable<Result<Reply>> send_command(const crypto::PrivateKey* key, ByteView queue_id,
                                             const protocol::Command& command);

 private:
  SmpClient(protocol::SmpServer server, std::shared_ptr<detail::ClientConnection> connection);

  const protocol::SmpServer server_;
  const std::shared_ptr<detail::ClientConnection> connection_;
};

}  // namespace smp::client
