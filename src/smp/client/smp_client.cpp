#include "smp/client/smp_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "smp/client/client_connection.h"
#include "smp/client/message_crypto.h"
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
  auto connection = connection_;
  auto strand = connection->strand();
  co_return co_await net::co_spawn(
      strand, detail::ClientConnection::request(std::move(connection), queue_id, command, key),
      net::use_awaitable);
}

net::awaitable<Result<QueueIds>> SmpClient::create_queue(
    const crypto::PrivateKey& recipient_key, const crypto::PublicKey& recipient_dh_key) {
  protocol::cmd::New cmd{.rcv_key = recipient_key.public_key(), .rcv_dh_key = recipient_dh_key};
  co_return expect<QueueIds>(co_await send_command(&recipient_key, {}, cmd));
}

net::awaitable<Result<NewQueue>> SmpClient::create_queue(crypto::KeyAlgorithm algorithm) {
  if (!crypto::is_signature_algorithm(algorithm)) {
    co_return make_error_code(errc::wrong_algorithm);
  }
  auto recipient = crypto::generate_key_pair(algorithm);
  auto dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto ids = co_await create_queue(recipient.private_key, dh.public_key);
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

net::awaitable<Result<Bytes>> SmpClient::enable_notifications(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id,
    const crypto::PublicKey& notifier_key) {
  auto nid = expect<reply::Nid>(
      co_await send_command(&recipient_key, recipient_id, protocol::cmd::NKey{.notifier_key = notifier_key}));
  if (!nid) co_return nid.error();
  co_return std::move(nid->notifier_id);
}

net::awaitable<Result<void>> SmpClient::ack(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Ack{}));
}

net::awaitable<Result<void>> SmpClient::suspend_queue(const crypto::PrivateKey& recipient_key,
                                                      ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Off{}));
}

net::awaitable<Result<void>> SmpClient::delete_queue(const crypto::PrivateKey& recipient_key,
                                                     ByteView recipient_id) {
  co_return expect_ok(co_await send_command(&recipient_key, recipient_id, protocol::cmd::Del{}));
}

net::awaitable<Result<void>> SmpClient::send_message(const crypto::PrivateKey* sender_key,
                                                     ByteView sender_id, ByteView body) {
  co_return expect_ok(co_await send_command(sender_key, sender_id, protocol::cmd::Send{body}));
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

}  // namespace smp::client
