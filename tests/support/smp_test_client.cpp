#include "support/smp_test_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/run_awaitable.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/connect.h"
#include "smp/transport/deadline.h"

namespace smp::test {

namespace net = boost::asio;
namespace proto = protocol;

Reply::Reply(Bytes content, ByteView session_id) : content_(std::move(content)) {
  parsed_ = proto::receive_broker_message(content_, session_id);
}

errc Reply::err() const {
  const auto* e = as<proto::msg::Err>();
  return e ? e->error.code : errc::ok;
}

std::string Reply::tag() const {
  return parsed_.message ? std::string(proto::tag_of(*parsed_.message)) : "?";
}

std::unique_ptr<TestClient> TestClient::connect(std::uint16_t port, const Bytes& key_hash,
                                                std::chrono::milliseconds timeout,
                                                transport::TransportKind kind,
                                                transport::ClientProtocols protocols) {
  std::unique_ptr<TestClient> c(new TestClient());
  auto ctx = transport::shared_client_context(protocols);
  if (!ctx) {
    ADD_FAILURE() << "no client TLS context";
    return nullptr;
  }
  auto t = run_awaitable(c->io_,
                         transport::connect_stream(c->io_.get_executor(), **ctx, "127.0.0.1",
                                                   std::to_string(port), key_hash, kind,
                                                   timeout, true),
                         timeout + 1s);
  if (!t || !*t) {
    ADD_FAILURE() << "connect failed: " << (t ? t->error().message() : "timeout");
    return nullptr;
  }
  c->transport_ = std::move(**t);
  return c;
}

TestClient::~TestClient() {
  if (transport_) transport_->close();
  io_.restart();
  io_.run_for(100ms);  // let cancelled operations finish before the transport goes
}

ByteView TestClient::session_id() const { return transport_->session_id(); }

const transport::SessionParams& TestClient::params() const { return transport_->params(); }

void TestClient::send(std::string_view corr_id, ByteView queue_id, const proto::Command& c,
                      const crypto::PrivateKey* key) {
  proto::TransmissionIds ids{session_id(), as_bytes(corr_id), queue_id};
  auto content = proto::encode_command_transmission(ids, c, key);
  ASSERT_TRUE(content) << content.error().message();
  send_content(*content);
}

void TestClient::send_content(ByteView content) {
  auto r = run_awaitable(io_, transport_->write_block(content));
  ASSERT_TRUE(r && *r) << "write failed";
}

void TestClient::send_raw(ByteView bytes) {
  auto op = [](transport::StreamTransport& t, ByteView b) -> net::awaitable<Result<void>> {
    auto [ec, n] = co_await net::async_write(t.tls(), net::buffer(b.data(), b.size()),
                                             net::as_tuple(net::use_awaitable));
    if (ec) co_return make_error_code(errc::network);
    co_return Result<void>{};
  };
  auto r = run_awaitable(io_, op(*transport_, bytes));
  ASSERT_TRUE(r && *r) << "raw write failed";
}

std::optional<Reply> TestClient::receive(std::chrono::milliseconds timeout, bool expect_failure) {
  auto op = [](TestClient& self, std::chrono::milliseconds limit) -> net::awaitable<Result<Bytes>> {
    auto& t = *self.transport_;
    co_return co_await transport::with_deadline(t.read_block(), limit, [&t] { t.close(); });
  };
  auto r = run_awaitable(io_, op(*this, timeout), timeout + 1s);
  if (!r || !*r) {
    if (!expect_failure) {
      ADD_FAILURE() << "receive failed: " << (r ? r->error().message() : "did not finish");
    }
    return std::nullopt;
  }
  return Reply(std::move(**r), session_id());
}

std::optional<Reply> TestClient::request(std::string_view corr_id, ByteView queue_id,
                                         const proto::Command& c, const crypto::PrivateKey* key) {
  send(corr_id, queue_id, c, key);
  return receive();
}

bool TestClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    auto op = [](TestClient& self, std::chrono::milliseconds limit) -> net::awaitable<errc> {
      auto& t = *self.transport_;
      auto r = co_await transport::with_deadline(t.read_block_view(), limit, [&t] { t.close(); });
      co_return r ? errc::ok : static_cast<errc>(r.error().value());
    };
    auto r = run_awaitable(io_, op(*this, left), left + 1s);
    if (!r) return false;
    if (*r == errc::timeout) return false;
    if (*r != errc::ok && *r != errc::transport_large_msg) return true;
  }
}

RecipientQueue create_queue(TestClient& c, std::string_view corr_id, crypto::KeyAlgorithm alg) {
  RecipientQueue q{.rid = {},
                   .sid = {},
                   .rcv_key = crypto::generate_key_pair(alg),
                   .dh_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519),
                   .server_dh = std::nullopt};
  auto reply = c.request(corr_id, {}, proto::cmd::New{q.rcv_key.public_key, q.dh_key.public_key},
                         q.key());
  if (!reply) return q;
  const auto* ids = reply->as<proto::msg::Ids>();
  EXPECT_NE(ids, nullptr) << "NEW answered " << reply->tag();
  EXPECT_EQ(reply->corr_id(), corr_id);
  EXPECT_TRUE(reply->queue_id().empty());
  if (ids == nullptr) return q;
  q.rid = to_bytes(ids->rcv_id);
  q.sid = to_bytes(ids->snd_id);
  q.server_dh = ids->srv_dh_key;
  return q;
}

Result<Bytes> decrypt_message(const RecipientQueue& q, const proto::msg::Msg& m) {
  if (!q.server_dh) return make_error_code(errc::cb_decrypt);
  auto secret = crypto::dh(*q.server_dh, q.dh_key.private_key);
  if (!secret) return secret.error();
  return crypto::cb_decrypt(secret->view(), crypto::cb_nonce(m.msg_id), m.body);
}

}  // namespace smp::test
