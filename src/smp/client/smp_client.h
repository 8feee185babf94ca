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

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "smp/client/client_config.h"
#include "smp/client/client_types.h"
#include "smp/client/proxied_relay.h"
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

// What NEW asks for beyond the keys. The defaults are SMP v1's NEW; anything else needs the
// current generation (the version noted per field) and is errc::unsupported below it.
struct QueueOptions {
  // SMP 6+: only_create leaves the creating connection unsubscribed.
  protocol::SubscriptionMode sub_mode = protocol::SubscriptionMode::subscribe;
  // SMP 9+: messaging (its sender may secure it with SKEY) or contact.
  std::optional<protocol::QueueMode> mode{};
  // SMP 15+: short-link data stored with the queue (encrypted by the caller). The sender id
  // is derived from the request's corrId as the server requires; a contact queue's link id
  // is the caller's (24 bytes), a messaging queue's the server's.
  struct Link {
    Bytes link_id{};  // contact mode only
    Bytes fixed_data{};
    Bytes user_data{};
  };
  std::optional<Link> link{};  // needs `mode` (messaging when unset)
  // SMP 17+: a notifier made with the queue, as NKEY would add it (the reference's
  // NewNtfCreds): the notifier's public key (it signs NSUB) and the recipient's X25519
  // notification DH key, whose private half computes the secret that opens NMSG metadata.
  // The answer's QueueIds::notifier has the notifier id, the server's DH key and the secret.
  struct Notifier {
    crypto::PublicKey notifier_key;
    const crypto::PrivateKey* dh_key = nullptr;  // needs only stay alive during the call
  };
  std::optional<Notifier> notifier{};
};

// A queue made by create_queue's generating form, with every key its recipient keeps.
// Move-only (holds private keys).
struct NewQueue {
  QueueIds ids;
  crypto::PrivateKey recipient_key;  // authorizes the recipient's commands
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

  // The negotiated SMP version: 1, or 6..18 with the current generation. Calls below check
  // it and answer errc::unsupported (nothing sent) for what it does not have.
  protocol::SmpVersion smp_version() const;

  // NEW, signed with recipient_key; recipient_dh_key is X25519. Generates nothing. In the
  // current generation the server address's password goes along as basic auth (SMP v1
  // cannot carry it). An option the agreed version lacks is errc::unsupported (nothing
  // sent); options.notifier without an X25519 DH key is errc::wrong_algorithm.
  net::awaitable<Result<QueueIds>> create_queue(const crypto::PrivateKey& recipient_key,
                                                const crypto::PublicKey& recipient_dh_key,
                                                const QueueOptions& options = {});
  // NEW with a fresh recipient key of `algorithm` (Ed25519 or Ed448, or from SMP 7 X25519,
  // whose commands are authorized with crypto_box authenticators) and a fresh X25519 key;
  // also computes the queue's DH secret. errc::wrong_algorithm for another algorithm.
  net::awaitable<Result<NewQueue>> create_queue(
      crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::ed25519,
      const QueueOptions& options = {});
  // SUB. A MSG answer (v1) or the MSG that follows it (6..18) goes to the event sink and the
  // call succeeds.
  net::awaitable<Result<void>> subscribe(const crypto::PrivateKey& recipient_key,
                                         ByteView recipient_id);
  // KEY: from now on only SENDs signed by sender_key's private half are accepted.
  net::awaitable<Result<void>> secure_queue(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id,
                                            const crypto::PublicKey& sender_key);
  // SKEY (SMP 9+), signed with sender_key: the sender secures a messaging queue with its
  // own key. errc::smp_auth for a contact queue or one secured with another key.
  net::awaitable<Result<void>> secure_queue_by_sender(const crypto::PrivateKey& sender_key,
                                                      ByteView sender_id);
  // NKEY; returns the notifier id. SMP v1 only (6..18 needs the DH key: the overload below).
  net::awaitable<Result<Bytes>> enable_notifications(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id,
                                                     const crypto::PublicKey& notifier_key);
  // NKEY in either generation; from SMP 6 on with the public half of notification_dh_key
  // (X25519), returning the server's DH key and the secret for NMSG metadata.
  net::awaitable<Result<NotifierCreds>> enable_notifications(
      const crypto::PrivateKey& recipient_key, ByteView recipient_id,
      const crypto::PublicKey& notifier_key, const crypto::PrivateKey& notification_dh_key);
  // NDEL (SMP 6+): the queue's notifier is removed (its subscriber gets END/DELD).
  net::awaitable<Result<void>> disable_notifications(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id);
  // ACK of the message msg_id (the MSG's id; SMP v1 sends no id and acknowledges whatever
  // was delivered). A MSG answer (the next message) goes to the event sink.
  // errc::smp_no_msg when nothing (or another message) is awaiting acknowledgement.
  net::awaitable<Result<void>> ack(const crypto::PrivateKey& recipient_key, ByteView recipient_id,
                                   ByteView msg_id);
  // ACK without an id: SMP v1's form (the v1 agent keeps no message ids). On a current
  // connection the empty id asks the server to take the delivered message.
  net::awaitable<Result<void>> ack(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  // GET (SMP 6+): the queue's next message without subscribing (answer it with ack).
  // errc::smp_no_msg when the queue is empty; errc::smp_cmd_prohibited when this
  // connection is subscribed to the queue.
  net::awaitable<Result<ReceivedMessage>> get_message(const crypto::PrivateKey& recipient_key,
                                                      ByteView recipient_id);
  // OFF: no more SENDs; messages already queued can still be received.
  net::awaitable<Result<void>> suspend_queue(const crypto::PrivateKey& recipient_key,
                                             ByteView recipient_id);
  // DEL: the queue and its messages are gone.
  net::awaitable<Result<void>> delete_queue(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id);
  // QUE (SMP 6+): the queue's state as the server's QueueInfo JSON text.
  net::awaitable<Result<std::string>> queue_info(const crypto::PrivateKey& recipient_key,
                                                 ByteView recipient_id);
  // SEND, signed with sender_key, or unsigned when it is null (a queue not yet secured).
  // Bodies over the version's limit get errc::smp_large_msg from the server; a transmission
  // that cannot fit one block is refused here with errc::transport_large_msg (nothing is
  // sent). `notification` (SMP 6+; ignored at v1) asks the server to notify the notifier.
  net::awaitable<Result<void>> send_message(const crypto::PrivateKey* sender_key,
                                            ByteView sender_id, ByteView body,
                                            bool notification = false);
  // PING → PONG.
  net::awaitable<Result<void>> ping();
  // NSUB, signed with the notifier key.
  net::awaitable<Result<void>> subscribe_notifications(const crypto::PrivateKey& notifier_key,
                                                       ByteView notifier_id);

  // Short links (SMP 15+). LSET: sets (or replaces the data of) the queue's link; the link
  // id cannot change once set (errc::smp_auth), nor be set on a secured messaging queue.
  net::awaitable<Result<void>> set_link(const crypto::PrivateKey& recipient_key,
                                        ByteView recipient_id, ByteView link_id,
                                        ByteView fixed_data, ByteView user_data);
  // LDEL: the queue's link is removed (OK when it had none).
  net::awaitable<Result<void>> delete_link(const crypto::PrivateKey& recipient_key,
                                           ByteView recipient_id);
  // LKEY, signed with sender_key: secures a messaging queue by its link id and returns the
  // link (sender id and data).
  net::awaitable<Result<QueueLink>> secure_link(const crypto::PrivateKey& sender_key,
                                                ByteView link_id);
  // LGET: a contact queue's link, unauthorized. errc::smp_auth for a messaging queue.
  net::awaitable<Result<QueueLink>> get_link(ByteView link_id);

  // Private message routing (SMP 8+, errc::unsupported below it and at v1): this client's
  // server acts as a proxy, so that the destination never sees the sender's address.
  //
  // PRXY: asks the proxy to connect to `destination` (this connection's server address's
  // password goes along as the proxy's basic auth) and checks the destination's key as
  // check_proxy_key does. When the proxy refuses or cannot reach the destination, the error
  // is errc::smp_proxy and *server_error (when given) says why, e.g. PROXY BROKER NETWORK
  // for a destination that does not answer or whose certificate does not match the key
  // hash, PROXY BASIC_AUTH for a proxy that does not serve us. Waits up to
  // connect_timeout + command_timeout.
  net::awaitable<Result<ProxiedRelay>> create_proxied_relay(
      const protocol::SmpServer& destination, protocol::SmpError* server_error = nullptr);
  // PFWD of SEND (as send_message) to the destination of `relay`. The destination's own
  // answer is as if sent directly (errc::smp_auth, smp_quota, ...); the proxy's refusal is
  // errc::smp_proxy with the reason in *server_error (PROXY NO_SESSION once the proxy has
  // dropped the relay: create a new one). Waits up to 2 × command_timeout.
  net::awaitable<Result<void>> send_message_via_proxy(const ProxiedRelay& relay,
                                                      const crypto::PrivateKey* sender_key,
                                                      ByteView sender_id, ByteView body,
                                                      bool notification = false,
                                                      protocol::SmpError* server_error = nullptr);
  // PFWD of any sender-side command (SEND, SKEY, LKEY, LGET), with entity_id its sender or
  // link id; errors as send_message_via_proxy, the answer as send_command.
  net::awaitable<Result<Reply>> send_command_via_proxy(const ProxiedRelay& relay,
                                                       const crypto::PrivateKey* key,
                                                       ByteView entity_id,
                                                       const protocol::Command& command,
                                                       protocol::SmpError* server_error = nullptr);

  // Any command, for callers that build their own: the matched answer as an owned Reply.
  net::awaitable<Result<Reply>> send_command(const crypto::PrivateKey* key, ByteView queue_id,
                                             const protocol::Command& command);

 private:
  SmpClient(protocol::SmpServer server, std::shared_ptr<detail::ClientConnection> connection);
  // send_command with the command completed from its corrId (ClientConnection::CorrIdBinder).
  net::awaitable<Result<Reply>> send_bound_command(
      const crypto::PrivateKey* key, ByteView queue_id, const protocol::Command& command,
      std::function<void(ByteView, protocol::Command&)> bind);
  // send_command with a corrId of the caller's, its own timeout, and the ERR kept in full.
  net::awaitable<Result<Reply>> send_proxy_command(ByteView queue_id,
                                                   const protocol::Command& command,
                                                   ByteView corr_id,
                                                   std::chrono::steady_clock::duration timeout,
                                                   protocol::SmpError* server_error);
  // errc::unsupported unless the agreed version is at least `min`.
  Result<void> require_version(protocol::SmpVersion min) const;

  const protocol::SmpServer server_;
  const std::shared_ptr<detail::ClientConnection> connection_;
};

}  // namespace smp::client
