// Queues, confirmations and invitations: the steps of spec §7.6 that the commands, the
// receiver and the delivery workers share.
#include <chrono>

#include <spdlog/spdlog.h>

#include "smp/agent/agent_core.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/envelope_format.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/snd_message_body.h"
#include "smp/agent/x3dh.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"

namespace smp::agent::detail {

namespace {

enc::Timestamp now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

AgentError crypto_error(error_code e) { return to_agent_error(e); }

}  // namespace

net::awaitable<AResult<AgentCore::NewRcvQueue>> AgentCore::new_rcv_queue(
    const protocol::SmpServer& server) {
  auto c = co_await smp(server);
  if (!c) co_return c.error();
  auto created = co_await (*c)->create_queue(config_.queue_key_algorithm);
  if (!created) co_return smp_agent_error(created.error());
  auto e2e = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  protocol::SmpQueueUri uri{server, created->ids.sender_id, kSmpClientVersions, e2e.public_key};
  RcvQueue rq{server,
              std::move(created->ids.recipient_id),
              std::move(created->recipient_key),
              std::move(created->dh_secret),
              std::move(e2e.private_key),
              std::nullopt,
              std::move(created->ids.sender_id),
              QueueStatus::new_,
              kSmpClientVersion};
  co_return NewRcvQueue{std::move(rq), std::move(uri)};
}

net::awaitable<AResult<void>> AgentCore::subscribe_queue(const RcvQueue& rq, const ConnId& conn_id) {
  auto c = co_await smp(rq.server);
  if (!c) co_return c.error();
  auto r = co_await (*c)->subscribe(rq.rcv_private_key, rq.rcv_id);
  if (!r) co_return smp_agent_error(r.error());
  clients_->add_subscription(rq.server, rq.rcv_id, conn_id);
  co_return AResult<void>{};
}

net::awaitable<AResult<void>> AgentCore::ack_queue(const RcvQueue& rq) {
  // Once ACKed the server forgets the message: what the agent stored of it is on disk first.
  if (auto synced = co_await durable(SyncScope::commits); !synced) co_return synced.error();
  auto c = co_await smp(rq.server);
  if (!c) co_return c.error();
  auto r = co_await (*c)->ack(rq.rcv_private_key, rq.rcv_id);
  if (!r) co_return smp_agent_error(r.error());
  co_return AResult<void>{};
}

AResult<SndQueue> AgentCore::new_snd_queue(const protocol::SmpQueueUri& queue) {
  auto sign = crypto::generate_key_pair(config_.queue_key_algorithm);
  auto e2e = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto secret = crypto::dh(queue.dh_public_key, e2e.private_key);
  if (!secret) return crypto_error(secret.error());
  return SndQueue{queue.server,   queue.sender_id,   std::move(sign.private_key),
                  std::move(*secret), e2e.public_key, QueueStatus::new_,
                  kSmpClientVersion};
}

net::awaitable<AResult<ConnId>> AgentCore::join_conn(ConnId conn_id,
                                                     const ConnectionRequest& request,
                                                     const Bytes& conn_info) {
  const AgentError version_error = PeerError{PeerErrorType::a_version};
  if (request.queues.empty()) co_return AgentError(CmdError{CommandErrorType::syntax});
  const protocol::SmpQueueUri& queue = request.queues.front();
  if (!enc::compatible_version(queue.client_versions, kSmpClientVersions) ||
      !enc::compatible_version(request.agent_versions, kAgentVersions)) {
    co_return version_error;
  }
  if (request.mode == ConnectionMode::contact) {
    auto own = co_await new_conn(std::move(conn_id), ConnectionMode::invitation);
    if (!own) co_return own.error();
    auto sent = co_await send_invitation(queue, own->second, conn_info);
    if (!sent) co_return sent.error();
    co_return std::move(own->first);
  }
  if (!request.e2e) co_return AgentError(CmdError{CommandErrorType::syntax});
  auto e2e = compatible_params(*request.e2e, kE2eEncryptVRange);
  if (!e2e) co_return version_error;

  KeyGenerator keygen = random_key_generator();
  E2EParamsKeys keys = generate_e2e_params(e2e->version, keygen);
  auto init = x3dh_snd(keys.private_key1, keys.private_key2, *e2e);
  if (!init) co_return crypto_error(init.error());
  auto rc = init_snd_ratchet(e2e->key2, keygen().private_key, *init);
  if (!rc) co_return crypto_error(rc.error());
  auto sq = new_snd_queue(queue);
  if (!sq) co_return sq.error();
  auto id = from_store(db([&](AgentStore& s) { return s.create_snd_connection(conn_id, *sq, &*rc); }));
  if (!id) co_return id.error();
  auto confirmed = co_await confirm_queue(*id, *sq, conn_info, keys.params);
  if (!confirmed) co_return confirmed.error();
  sq->status = QueueStatus::confirmed;
  auto hello = enqueue_message(*id, *sq, HelloMessage{});
  if (!hello) co_return hello.error();
  co_return std::move(*id);
}

net::awaitable<AResult<void>> AgentCore::confirm_queue(const ConnId& conn_id, const SndQueue& sq,
                                                       const Bytes& conn_info,
                                                       std::optional<E2ERatchetParams> e2e) {
  // Encrypt with the ratchet and save it before anything leaves: a message key is never reused.
  auto enc_info = db([&](AgentStore& s) -> Result<Bytes> {
    return s.atomically([&](AgentStore& t) -> Result<Bytes> {
      SMP_TRY(Ratchet rc, t.get_ratchet(conn_id));
      SMP_TRY(Bytes plain, encode_agent_plaintext(AgentConnInfo{conn_info}));
      SMP_TRY(auto enc, rc_encrypt(rc, kConnInfoPaddedLength, plain));
      SMP_TRY_VOID(t.set_ratchet(conn_id, enc.state));
      return std::move(enc.message);
    });
  });
  if (!enc_info) co_return to_agent_error(enc_info.error());
  auto envelope = encode_agent_envelope(AgentConfirmation{kAgentVersion, std::move(e2e), *enc_info});
  if (!envelope) co_return crypto_error(envelope.error());
  auto key = crypto::CbKey::from_dh_secret(sq.e2e_dh_secret.view());
  if (!key) co_return crypto_error(key.error());
  if (!sq.e2e_pub_key) co_return AgentError(InternalError{"no e2e key"});
  auto body = seal_client_message(*key, PubHeader{kSmpClientVersion, sq.e2e_pub_key},
                                  ClientMessage{PrivHeader{sq.snd_private_key.public_key()},
                                                std::move(*envelope)});
  if (!body) co_return crypto_error(body.error());
  // The ratchet step is on disk before the message leaves.
  if (auto synced = co_await durable(SyncScope::commits); !synced) co_return synced.error();
  auto c = co_await smp(sq.server);
  if (!c) co_return c.error();
  auto sent = co_await (*c)->send_message(nullptr, sq.snd_id, *body);
  if (!sent) co_return smp_agent_error(sent.error());
  co_return from_store(db([&](AgentStore& s) {
    return s.set_snd_queue_status(sq.server, sq.snd_id, QueueStatus::confirmed);
  }));
}

net::awaitable<AResult<void>> AgentCore::send_invitation(const protocol::SmpQueueUri& queue,
                                                         const ConnectionRequest& request,
                                                         const Bytes& conn_info) {
  auto envelope = encode_agent_envelope(AgentInvitation{kAgentVersion, request, conn_info});
  if (!envelope) co_return crypto_error(envelope.error());
  // Only the per-queue layer, with a key pair made for this one message (agentCbEncryptOnce).
  auto once = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto key = crypto::CbKey::from_keys(queue.dh_public_key, once.private_key);
  if (!key) co_return crypto_error(key.error());
  auto body = seal_client_message(*key, PubHeader{kSmpClientVersion, once.public_key},
                                  ClientMessage{PrivHeader{}, std::move(*envelope)});
  if (!body) co_return crypto_error(body.error());
  // The connection the invitation names is on disk before the invitation leaves.
  if (auto synced = co_await durable(SyncScope::commits); !synced) co_return synced.error();
  auto c = co_await smp(queue.server);
  if (!c) co_return c.error();
  auto sent = co_await (*c)->send_message(nullptr, queue.sender_id, *body);
  if (!sent) co_return smp_agent_error(sent.error());
  co_return AResult<void>{};
}

net::awaitable<AResult<void>> AgentCore::secure_rcv_queue(const RcvQueue& rq,
                                                          const crypto::PublicKey& sender_key,
                                                          const crypto::PublicKey& e2e_pub_key) {
  auto secret = crypto::dh(e2e_pub_key, rq.e2e_priv_key);
  if (!secret) co_return crypto_error(secret.error());
  auto stored = from_store(db([&](AgentStore& s) {
    return s.set_rcv_queue_confirmed_e2e(rq.server, rq.rcv_id, *secret);
  }));
  if (!stored) co_return stored.error();
  co_return co_await key_rcv_queue(rq, sender_key, false);
}

net::awaitable<AResult<void>> AgentCore::key_rcv_queue(const RcvQueue& rq,
                                                       const crypto::PublicKey& sender_key,
                                                       bool again) {
  // The confirmation it accepts (and the E2E secret) are on disk before the queue is secured.
  if (auto synced = co_await durable(SyncScope::commits); !synced) co_return synced.error();
  auto c = co_await smp(rq.server);
  if (!c) co_return c.error();
  auto secured = co_await (*c)->secure_queue(rq.rcv_private_key, rq.rcv_id, sender_key);
  // A queue with a sender key already is refused with AUTH: ours, from before the stop.
  const bool done_before = again && !secured && secured.error() == make_error_code(errc::smp_auth);
  if (!secured && !done_before) co_return smp_agent_error(secured.error());
  co_return from_store(db([&](AgentStore& s) {
    return s.set_rcv_queue_status(rq.server, rq.rcv_id, QueueStatus::secured);
  }));
}

net::awaitable<AResult<void>> AgentCore::create_reply_queue(const ConnId& conn_id,
                                                            const SndQueue& sq) {
  auto q = co_await new_rcv_queue(pick_server());
  if (!q) co_return q.error();
  clients_->add_subscription(q->queue.server, q->queue.rcv_id, conn_id);
  auto upgraded = from_store(db([&](AgentStore& s) { return s.upgrade_snd_to_duplex(conn_id, q->queue); }));
  if (!upgraded) co_return upgraded.error();
  auto reply = enqueue_message(conn_id, sq,
                               ReplyMessage{{to_queue_info(q->uri, kSmpClientVersion)}});
  if (!reply) co_return reply.error();
  co_return AResult<void>{};
}

AResult<std::int64_t> AgentCore::enqueue_message(const ConnId& conn_id, const SndQueue& sq,
                                                 const AMessage& message) {
  auto ids = db([&](AgentStore& s) {
    return s.create_snd_message(
        conn_id, agent_msg_type_of(message), now(),
        [&](const SndMsgIds& next) -> Result<SndMsgContent> {
          SMP_TRY(Ratchet rc, s.get_ratchet(conn_id));
          AgentMessage am{APrivHeader{next.internal_snd_id, next.prev_msg_hash}, message};
          SMP_TRY(Bytes plain, encode_agent_plaintext(am));
          // Stored small: the body is encrypted when it is sent (snd_message_body.h).
          return prepare_snd_content(rc, kUserMsgPaddedLength, plain);
        });
  });
  if (!ids) return to_agent_error(ids.error());
  resume_delivery(conn_id, sq);
  return ids->internal_id;
}

}  // namespace smp::agent::detail
