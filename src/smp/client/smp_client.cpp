#include "smp/client/smp_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/client/client_connection.h"
#include "smp/client/message_crypto.h"
#include "smp/crypto/hash.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/connect.h"

namespace smp::client {

namespace {

template <class T>
Result<T> expect(Result<Reply> r) {
  if (!r) return r.error();
  if (auto* v = std::get_if<T>(&*r)) return std::move(*v);
  return make_error_code(errc::unexpected_response);
}

Result<void> expect_ok(Result<Reply> r) {
  if (!r) return r.error();
  if (std::holds_alternative<reply::Ok>(*r)) return {};
  return make_error_code(errc::unexpected_response);
}

// The secret that opens NMSG metadata, from the server's DH key in the answer (NID or IDS) and
// the recipient's notification DH key.
Result<void> add_notifier_secret(NotifierCreds& creds, const crypto::PrivateKey& dh_key) {
  if (!creds.ids.server_dh_key) return make_error_code(errc::unexpected_response);
  auto secret = queue_dh_secret(*creds.ids.server_dh_key, dh_key);
  if (!secret) return secret.error();
  creds.dh_secret = std::move(*secret);
  return {};
}

transport::TransportKind transport_kind(protocol::TransportKind kind) {
  return kind == protocol::TransportKind::websocket ? transport::TransportKind::websocket
                                                    : transport::TransportKind::tls;
}

}  // namespace

SmpClient::SmpClient(protocol::SmpServer server,
                     std::shared_ptr<detail::ClientConnection> connection)
    : server_(std::move(server)), connection_(std::move(connection)) {}

SmpClient::~SmpClient() { close(); }

net::awaitable<Result<std::unique_ptr<SmpClient>>> SmpClient::connect(net::any_io_executor ex,
                                                                      protocol::SmpServer server,
                                                                      ClientConfig config,
                                                                      ClientCallbacks callbacks) {
  auto strand = net::make_strand(ex);
  auto endpoint = protocol::server_endpoint(server);
  auto transport = co_await transport::connect_tls(
      strand, server.host, endpoint.port, server.key_hash, config.connect_timeout,
      transport_kind(endpoint.transport), transport::ConnectOptions{config.protocols, {}});
  if (!transport) co_return transport.error();
  auto connection = std::make_shared<detail::ClientConnection>(
      strand, std::move(*transport), std::move(config), std::move(callbacks));
  net::post(strand, [connection] { connection->start(); });
  co_return std::unique_ptr<SmpClient>(new SmpClient(std::move(server), std::move(connection)));
}

ByteView SmpClient::session_id() const { return connection_->session_id(); }
const transport::SessionParams& SmpClient::params() const { return connection_->params(); }

bool SmpClient::is_open() const { return connection_->is_open(); }

void SmpClient::close() {
  net::post(connection_->strand(), [connection = connection_] { connection->close(); });
}

ClientStats SmpClient::stats() const { return connection_->stats(); }

net::awaitable<Result<Reply>> SmpClient::send_command(const crypto::PrivateKey* key,
                                                      ByteView queue_id,
                                                      const protocol::Command& command) {
  co_return co_await send_bound_command(key, queue_id, command, {});
}

protocol::SmpVersion SmpClient::smp_version() const { return params().version; }

Result<void> SmpClient::require_version(protocol::SmpVersion min) const {
  if (!params().current || params().version < min) return make_error_code(errc::unsupported);
  return {};
}

net::awaitable<Result<Reply>> SmpClient::send_bound_command(
    const crypto::PrivateKey* key, ByteView queue_id, const protocol::Command& command,
    std::function<void(ByteView, protocol::Command&)> bind) {
  auto connection = connection_;
  auto strand = connection->strand();
  const detail::RequestOptions options{.bind = std::move(bind)};
  co_return co_await net::co_spawn(
      strand,
      detail::ClientConnection::request(std::move(connection), queue_id, command, key, &options),
      net::use_awaitable);
}

net::awaitable<Result<Reply>> SmpClient::send_proxy_command(
    ByteView queue_id, const protocol::Command& command, ByteView corr_id,
    std::chrono::steady_clock::duration timeout, protocol::SmpError* server_error) {
  auto connection = connection_;
  auto strand = connection->strand();
  const detail::RequestOptions options{
      .corr_id = std::string(as_chars(corr_id)), .timeout = timeout, .server_error = server_error};
  co_return co_await net::co_spawn(
      strand,
      detail::ClientConnection::request(std::move(connection), queue_id, command, nullptr,
                                        &options),
      net::use_awaitable);
}

net::awaitable<Result<QueueIds>> SmpClient::create_queue(const crypto::PrivateKey& recipient_key,
                                                         const crypto::PublicKey& recipient_dh_key,
                                                         const QueueOptions& options) {
  protocol::cmd::New cmd{.rcv_key = recipient_key.public_key(), .rcv_dh_key = recipient_dh_key};
  const bool defaults = options.sub_mode == protocol::SubscriptionMode::subscribe &&
                        !options.mode && !options.link && !options.notifier;
  if (!params().current) {
    // SMP v1's NEW has none of the options (nor the password).
    if (!defaults) co_return make_error_code(errc::unsupported);
    co_return expect<QueueIds>(co_await send_command(&recipient_key, {}, cmd));
  }
  if (!server_.password.empty()) cmd.basic_auth = as_bytes(server_.password);
  cmd.sub_mode = options.sub_mode;
  if (options.mode || options.link) {
    if (auto ok = require_version(options.link ? protocol::kShortLinksVersion
                                               : protocol::kSndAuthKeyVersion);
        !ok) {
      co_return ok.error();
    }
    cmd.queue_request = protocol::QueueRequest{
        .mode = options.mode.value_or(protocol::QueueMode::messaging)};
  }
  const crypto::PrivateKey* notifier_dh_key = nullptr;
  if (options.notifier) {
    // Below v17 NEW cannot carry them (the reference's encoder drops them): refused here, so
    // that the caller does not take the answer for a queue with a notifier.
    if (auto ok = require_version(protocol::kNewNtfCredsVersion); !ok) co_return ok.error();
    notifier_dh_key = options.notifier->dh_key;
    if (notifier_dh_key == nullptr ||
        notifier_dh_key->algorithm() != crypto::KeyAlgorithm::x25519) {
      co_return make_error_code(errc::wrong_algorithm);
    }
    cmd.ntf_creds = protocol::cmd::New::NtfCreds{.notifier_key = options.notifier->notifier_key,
                                                 .rcv_ntf_dh_key = notifier_dh_key->public_key()};
  }

  Result<QueueIds> ids = make_error_code(errc::unexpected_response);
  if (!options.link) {
    ids = expect<QueueIds>(co_await send_command(&recipient_key, {}, cmd));
  } else {
    // A short link's sender id is the first 24 bytes of SHA3-384 of the request's corrId
    // (the server checks it, so that NEW cannot probe which ids exist).
    const QueueOptions::Link& link = *options.link;
    crypto::Sha3_384Digest sender_id{};
    auto bind = [&](ByteView corr_id, protocol::Command& command) {
      sender_id = crypto::sha3_384(corr_id);
      auto& request = *std::get<protocol::cmd::New>(command).queue_request;
      request.link = protocol::QueueRequest::Link{
          .link_id = link.link_id,
          .sender_id = ByteView(sender_id.data(), protocol::kQueueIdBytes),
          .data = {.fixed_data = link.fixed_data, .user_data = link.user_data}};
    };
    ids = expect<QueueIds>(co_await send_bound_command(&recipient_key, {}, cmd, bind));
  }
  if (!ids || notifier_dh_key == nullptr) co_return ids;
  // IDS carries the notifier (ServerNtfCreds) whenever NEW asked for one.
  if (!ids->notifier) co_return make_error_code(errc::unexpected_response);
  if (auto ok = add_notifier_secret(*ids->notifier, *notifier_dh_key); !ok) co_return ok.error();
  co_return ids;
}

net::awaitable<Result<NewQueue>> SmpClient::create_queue(crypto::KeyAlgorithm algorithm,
                                                         const QueueOptions& options) {
  const bool authenticator = algorithm == crypto::KeyAlgorithm::x25519 &&
                             smp_version() >= protocol::kAuthCmdsVersion;
  if (!crypto::is_signature_algorithm(algorithm) && !authenticator) {
    co_return make_error_code(errc::wrong_algorithm);
  }
  auto recipient = crypto::generate_key_pair(algorithm);
  auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto ids = co_await create_queue(recipient.private_key, dh.public_key, options);
  if (!ids) co_return ids.error();
  auto secret = queue_dh_secret(ids->server_dh_key, dh.private_key);
  if (!secret) co_return secret.error();
  co_return NewQueue{std::move(*ids), std::move(recipient.private_key), std::move(dh.private_key),
                     std::move(*secret)};
}

net::awaitable<Result<void>> SmpClient::subscribe(const crypto::PrivateKey& recipient_key,
                                                  ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Sub{}));
}

net::awaitable<Result<void>> SmpClient::secure_queue(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id,
                                                     const crypto::PublicKey& sender_key) {
  co_return expect_ok(
      co_await send_command(&recipient_key, recipient_id, protocol::cmd::Key{sender_key}));
}

net::awaitable<Result<void>> SmpClient::secure_queue_by_sender(
    const crypto::PrivateKey& sender_key, ByteView sender_id) {
  if (auto ok = require_version(protocol::kSndAuthKeyVersion); !ok) co_return ok.error();
  co_return expect_ok(co_await send_command(&sender_key, sender_id,
                                            protocol::cmd::SKey{sender_key.public_key()}));
}

net::awaitable<Result<Bytes>> SmpClient::enable_notifications(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id,
    const crypto::PublicKey& notifier_key) {
  // From SMP 6 on NKEY must carry the recipient's notification DH key.
  if (params().current) co_return make_error_code(errc::unsupported);
  auto nid = expect<NotifierIds>(co_await send_command(
      &recipient_key, recipient_id, protocol::cmd::NKey{.notifier_key = notifier_key}));
  if (!nid) co_return nid.error();
  co_return std::move(nid->notifier_id);
}

net::awaitable<Result<NotifierCreds>> SmpClient::enable_notifications(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id,
    const crypto::PublicKey& notifier_key, const crypto::PrivateKey& notification_dh_key) {
  protocol::cmd::NKey cmd{.notifier_key = notifier_key};
  if (params().current) {
    if (notification_dh_key.algorithm() != crypto::KeyAlgorithm::x25519) {
      co_return make_error_code(errc::wrong_algorithm);
    }
    cmd.rcv_ntf_dh_key = notification_dh_key.public_key();
  }
  auto nid = expect<NotifierIds>(co_await send_command(&recipient_key, recipient_id, cmd));
  if (!nid) co_return nid.error();
  NotifierCreds creds{std::move(*nid), {}};
  if (params().current) {
    if (auto ok = add_notifier_secret(creds, notification_dh_key); !ok) co_return ok.error();
  }
  co_return creds;
}

net::awaitable<Result<void>> SmpClient::disable_notifications(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id) {
  if (auto ok = require_version(protocol::kCurrentMinVersion); !ok) co_return ok.error();
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::NDel{}));
}

net::awaitable<Result<void>> SmpClient::ack(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id, ByteView msg_id) {
  co_return expect_ok(
      co_await send_command(&recipient_key, recipient_id, protocol::cmd::Ack{.msg_id = msg_id}));
}

net::awaitable<Result<void>> SmpClient::ack(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id) {
  // The reference's 6..18 server matches the id against the delivered message: an ACK
  // without one would not acknowledge anything there.
  if (params().current) co_return make_error_code(errc::unsupported);
  co_return co_await ack(recipient_key, recipient_id, ByteView{});
}

net::awaitable<Result<ReceivedMessage>> SmpClient::get_message(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id) {
  if (auto ok = require_version(protocol::kCurrentMinVersion); !ok) co_return ok.error();
  auto answer = co_await send_command(&recipient_key, recipient_id, protocol::cmd::Get{});
  if (!answer) co_return answer.error();
  // GET answers OK when the queue is empty.
  if (std::holds_alternative<reply::Ok>(*answer)) co_return make_error_code(errc::smp_no_msg);
  co_return expect<ReceivedMessage>(std::move(answer));
}

net::awaitable<Result<void>> SmpClient::suspend_queue(const crypto::PrivateKey& recipient_key,
                                                      ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Off{}));
}

net::awaitable<Result<void>> SmpClient::delete_queue(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Del{}));
}

net::awaitable<Result<std::string>> SmpClient::queue_info(const crypto::PrivateKey& recipient_key,
                                                          ByteView recipient_id) {
  if (auto ok = require_version(protocol::kCurrentMinVersion); !ok) co_return ok.error();
  auto info =
      expect<reply::Info>(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Que{}));
  if (!info) co_return info.error();
  co_return std::move(info->json);
}

net::awaitable<Result<void>> SmpClient::send_message(const crypto::PrivateKey* sender_key,
                                                     ByteView sender_id, ByteView body,
                                                     bool notification) {
  co_return expect_ok(co_await send_command(
      sender_key, sender_id, protocol::cmd::Send{.body = body, .notification = notification}));
}

net::awaitable<Result<void>> SmpClient::ping() {
  auto pong = expect<reply::Pong>(co_await send_command(nullptr, {}, protocol::cmd::Ping{}));
  if (!pong) co_return pong.error();
  co_return Result<void>{};
}

net::awaitable<Result<void>> SmpClient::subscribe_notifications(
    const crypto::PrivateKey& notifier_key, ByteView notifier_id) {
  co_return expect_ok(co_await send_command(&notifier_key, notifier_id, protocol::cmd::NSub{}));
}

net::awaitable<Result<void>> SmpClient::set_link(const crypto::PrivateKey& recipient_key,
                                                 ByteView recipient_id, ByteView link_id,
                                                 ByteView fixed_data, ByteView user_data) {
  if (auto ok = require_version(protocol::kShortLinksVersion); !ok) co_return ok.error();
  protocol::cmd::LSet cmd{.link_id = link_id,
                          .data = {.fixed_data = fixed_data, .user_data = user_data}};
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, cmd));
}

net::awaitable<Result<void>> SmpClient::delete_link(const crypto::PrivateKey& recipient_key,
                                                    ByteView recipient_id) {
  if (auto ok = require_version(protocol::kShortLinksVersion); !ok) co_return ok.error();
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::LDel{}));
}

net::awaitable<Result<QueueLink>> SmpClient::secure_link(const crypto::PrivateKey& sender_key,
                                                         ByteView link_id) {
  if (auto ok = require_version(protocol::kShortLinksVersion); !ok) co_return ok.error();
  co_return expect<QueueLink>(
      co_await send_command(&sender_key, link_id, protocol::cmd::LKey{sender_key.public_key()}));
}

net::awaitable<Result<QueueLink>> SmpClient::get_link(ByteView link_id) {
  if (auto ok = require_version(protocol::kShortLinksVersion); !ok) co_return ok.error();
  co_return expect<QueueLink>(co_await send_command(nullptr, link_id, protocol::cmd::LGet{}));
}

}  // namespace smp::client

namespace smp::client {

net::awaitable<Result<ProxiedRelay>> SmpClient::create_proxied_relay(
    const protocol::SmpServer& destination, protocol::SmpError* server_error) {
  if (auto ok = require_version(protocol::kSendingProxyVersion); !ok) co_return ok.error();
  protocol::cmd::Prxy prxy;
  prxy.server.hosts[0] = as_bytes(destination.host);
  prxy.server.host_count = 1;
  prxy.server.port = as_bytes(destination.port);
  prxy.server.key_hash = destination.key_hash;
  if (!server_.password.empty()) prxy.basic_auth = as_bytes(server_.password);
  // The proxy connects to the destination before it answers.
  const auto& config = connection_->config();
  auto pkey = expect<reply::ProxyKey>(co_await send_proxy_command(
      {}, prxy, {}, config.connect_timeout + config.command_timeout, server_error));
  if (!pkey) co_return pkey.error();
  co_return check_proxy_key(*pkey, destination.key_hash);
}

net::awaitable<Result<Reply>> SmpClient::send_command_via_proxy(const ProxiedRelay& relay,
                                                                const crypto::PrivateKey* key,
                                                                ByteView entity_id,
                                                                const protocol::Command& command,
                                                                protocol::SmpError* server_error) {
  if (auto ok = require_version(protocol::kSendingProxyVersion); !ok) co_return ok.error();
  auto sealed = seal_proxied_command(relay, key, entity_id, command);
  if (!sealed) co_return sealed.error();
  // The PFWD's corrId is the nonce that sealed it (the proxy passes it to the destination,
  // which opens the transmission with it).
  const ByteView corr_id(sealed->nonce.data(), sealed->nonce.size());
  protocol::cmd::PFwd pfwd{
      .version = relay.version, .key = sealed->public_key, .encrypted = sealed->encrypted};
  auto pres = expect<reply::ProxyResponse>(
      co_await send_proxy_command(relay.session_id, pfwd, corr_id,
                                  2 * connection_->config().command_timeout, server_error));
  if (!pres) co_return pres.error();
  co_return open_proxied_answer(relay, *sealed, entity_id, pres->encrypted, server_error);
}

net::awaitable<Result<void>> SmpClient::send_message_via_proxy(const ProxiedRelay& relay,
                                                               const crypto::PrivateKey* sender_key,
                                                               ByteView sender_id, ByteView body,
                                                               bool notification,
                                                               protocol::SmpError* server_error) {
  co_return expect_ok(co_await send_command_via_proxy(
      relay, sender_key, sender_id,
      protocol::cmd::Send{.body = body, .notification = notification}, server_error));
}

}  // namespace smp::client
