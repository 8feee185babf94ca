#include "support/current_test_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>

#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "smp/protocol/rcv_message.h"
#include "smp/transport/connect.h"
#include "smp/transport/deadline.h"
#include "support/run_awaitable.h"

namespace smp::test {

namespace net = boost::asio;
namespace proto = smp::protocol;

proto::SmpError CurrentReply::err() const {
  const auto* e = as<proto::msg::Err>();
  return e ? e->error : proto::SmpError(errc::ok);
}

std::string CurrentReply::tag() const {
  return parsed_.message ? std::string(proto::tag_of(*parsed_.message)) : "?";
}

std::unique_ptr<CurrentTestClient> CurrentTestClient::connect(
    std::uint16_t port, const Bytes& key_hash, transport::ClientHandshakeOptions options,
    std::chrono::milliseconds timeout, transport::TransportKind kind) {
  std::unique_ptr<CurrentTestClient> c(new CurrentTestClient());
  transport::ConnectOptions connect{.protocols = transport::ClientProtocols::current_and_v1,
                                    .current = options};
  auto t = run_awaitable(c->io_,
                         transport::connect_tls(c->io_.get_executor(), "127.0.0.1",
                                                std::to_string(port), key_hash, timeout, kind,
                                                connect),
                         timeout + 1s);
  if (!t || !*t) {
    ADD_FAILURE() << "connect failed: " << (t ? t->error().message() : "timeout");
    return nullptr;
  }
  c->transport_ = std::move(**t);
  if (!c->transport_->params().current) {
    ADD_FAILURE() << "the server did not agree to the current generation";
    return nullptr;
  }
  return c;
}

CurrentTestClient::~CurrentTestClient() {
  if (transport_) transport_->close();
  io_.restart();
  io_.run_for(100ms);
}

proto::TransmissionParams CurrentTestClient::tparams() const {
  return proto::TransmissionParams::for_version(transport_->smp_version(), session_id());
}

void CurrentTestClient::send(const std::vector<Outbound>& batch) {
  Bytes content(transport_->max_block_content());
  proto::BatchWriter writer(content);
  const auto params = tparams();
  const auto& server_dh = transport_->params().server_dh_public;
  const crypto::PublicKey* server_key = server_dh ? &*server_dh : nullptr;
  for (const auto& t : batch) {
    proto::TransmissionIds ids{session_id(), as_bytes(t.corr_id), t.entity_id};
    auto added = writer.add(params, ids, t.command,
                            proto::CommandAuthorizer{.key = t.key, .server_key = server_key});
    ASSERT_TRUE(added) << added.error().message();
    ASSERT_TRUE(*added) << "the batch does not fit one block";
  }
  content.resize(writer.size());
  send_content(content);
}

void CurrentTestClient::send_content(ByteView content) {
  auto r = run_awaitable(io_, transport_->write_block(content));
  ASSERT_TRUE(r && *r) << "write failed";
}

bool CurrentTestClient::read_block(std::chrono::milliseconds timeout, bool expect_failure) {
  auto op = [](transport::BlockTransport& t,
               std::chrono::milliseconds limit) -> net::awaitable<Result<Bytes>> {
    co_return co_await transport::with_deadline(t.read_block(), limit, [&t] { t.close(); });
  };
  auto r = run_awaitable(io_, op(*transport_, timeout), timeout + 1s);
  if (!r || !*r) {
    if (!expect_failure) {
      ADD_FAILURE() << "receive failed: " << (r ? r->error().message() : "did not finish");
    }
    return false;
  }
  auto block = std::make_shared<const Bytes>(std::move(**r));
  std::vector<proto::ReceivedBrokerMessage> received;
  proto::receive_broker_batch(*block, tparams(), received);
  last_batch_size_ = received.size();
  for (auto& m : received) pending_.emplace_back(block, std::move(m));
  return true;
}

std::optional<CurrentReply> CurrentTestClient::receive(std::chrono::milliseconds timeout,
                                                       bool expect_failure) {
  if (pending_.empty() && !read_block(timeout, expect_failure)) return std::nullopt;
  if (pending_.empty()) return std::nullopt;
  CurrentReply r = std::move(pending_.front());
  pending_.pop_front();
  return r;
}

std::optional<CurrentReply> CurrentTestClient::request(std::string_view corr_id,
                                                       ByteView entity_id,
                                                       const proto::Command& c,
                                                       const crypto::PrivateKey* key) {
  send(corr_id, entity_id, c, key);
  for (std::size_t scanned = 0;; ++scanned) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->corr_id() == corr_id) {
        CurrentReply r = std::move(*it);
        pending_.erase(it);
        return r;
      }
    }
    if (scanned > 16 || !read_block(5s, false)) return std::nullopt;
  }
}

bool CurrentTestClient::nothing_within(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) return false;
  return !read_block(timeout, true);
}

CurrentQueue create_current_queue(CurrentTestClient& c, std::string_view corr_id,
                                  crypto::KeyAlgorithm alg,
                                  const std::function<void(proto::cmd::New&)>& adjust) {
  CurrentQueue q{.rcv_key = crypto::generate_key_pair(alg),
                 .dh_key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519),
                 .server_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key};
  proto::cmd::New cmd{.rcv_key = q.rcv_key.public_key, .rcv_dh_key = q.dh_key.public_key};
  if (adjust) adjust(cmd);
  auto r = c.request(corr_id, {}, cmd, q.key());
  if (!r) {
    ADD_FAILURE() << "no answer to NEW";
    return q;
  }
  const auto* ids = r->as<proto::msg::Ids>();
  if (ids == nullptr) {
    ADD_FAILURE() << "NEW answered " << r->tag() << " " << static_cast<int>(r->err().code);
    return q;
  }
  q.rid = to_bytes(ids->rcv_id);
  q.sid = to_bytes(ids->snd_id);
  q.server_dh = ids->srv_dh_key;
  if (ids->link_id) q.link_id = to_bytes(*ids->link_id);
  if (ids->ntf_creds) {
    q.notifier_id = to_bytes(ids->ntf_creds->notifier_id);
    q.server_ntf_dh = ids->ntf_creds->srv_ntf_dh_key;
  }
  return q;
}

std::optional<OpenedMessage> open_current_message(const CurrentQueue& q,
                                                  const proto::msg::Msg& m) {
  auto key = crypto::CbKey::from_keys(q.server_dh, q.dh_key.private_key);
  if (!key) return std::nullopt;
  OpenedMessage out;
  auto opened = proto::open_rcv_message(*key, m.msg_id, m.body, out.plain);
  if (!opened) return std::nullopt;
  out.message = *opened;
  return out;
}

}  // namespace smp::test
