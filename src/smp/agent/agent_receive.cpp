// Server events (spec §7.5 dispatch table, §7.8 integrity, §7.9 END): every MSG is decrypted,
// stored with the advanced ratchet in one transaction, and only then notified. Any error is
// reported as ERR on the connection and the server message is ACKed (dropped).
#include <chrono>

#include <spdlog/spdlog.h>

#include "smp/agent/agent_core.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/envelope_format.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/x3dh.h"
#include "smp/client/message_crypto.h"
#include "smp/crypto/dh.h"

namespace smp::agent::detail {

namespace {

AgentError prohibited() { return PeerError{PeerErrorType::a_prohibited}; }
AgentError bad_message() { return PeerError{PeerErrorType::a_message}; }

enc::Timestamp now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

enc::Timestamp broker_time(std::int64_t seconds) {
  return enc::Timestamp(std::chrono::seconds(seconds));
}

bool is_crypto(error_code e) {
  return e == make_error_code(errc::cb_decrypt) || e == make_error_code(errc::crypto_large_msg);
}

// The AgentMessage a stored received message holds.
AResult<AgentMessage> stored_agent_message(const RcvMessage& m) {
  auto pt = decode_agent_plaintext(m.body);
  if (!pt || !std::holds_alternative<AgentMessage>(*pt)) {
    return AgentError(InternalError{"stored message"});
  }
  return std::get<AgentMessage>(std::move(*pt));
}

}  // namespace

net::awaitable<void> AgentCore::process_event(ServerMessage m) {
  const auto& event = m.event;
  if (event.kind == client::EventKind::notification) co_return;
  auto conn = db([&](AgentStore& s) { return s.get_rcv_connection(m.server, event.queue_id); });
  if (!conn) {
    spdlog::debug("agent: server event for an unknown queue");
    co_return;
  }
  const ConnId conn_id = conn_data(*conn).conn_id;
  if (event.kind == client::EventKind::end) {
    clients_->remove_subscription(m.server, event.queue_id);
    notify(conn_id, cmd::End{});
    co_return;
  }
  bool acked = false;
  auto r = co_await process_msg(*conn, event.message, acked);
  if (!r) {
    notify(conn_id, cmd::Err{r.error()});
    if (!acked && !closing_) {
      co_await all_told();  // the ERR first
      auto a = co_await ack_queue(*rcv_queue_of(*conn));
      if (!a) spdlog::debug("agent: ACK after a failed message: {}", encode_agent_error(a.error()));
    }
  }
}

net::awaitable<AResult<void>> AgentCore::process_msg(const Connection& conn,
                                                     const client::ReceivedMessage& msg,
                                                     bool& acked) {
  const RcvQueue& rq = *rcv_queue_of(conn);
  const ConnId& conn_id = conn_data(conn).conn_id;
  // Stored before, but the ACK never reached the server (the agent stopped in between).
  auto stored = db([&](AgentStore& s) { return s.find_rcv_message_by_broker_id(conn_id, msg.msg_id); });
  if (!stored) co_return store_agent_error(stored.error());
  if (*stored) co_return co_await redelivered(conn, **stored, acked);

  auto body = client::decrypt_message_body(rq.rcv_dh_secret.view(), msg);
  if (!body) co_return to_agent_error(body.error());
  auto env = decode_client_msg_envelope(*body);
  if (!env) co_return bad_message();
  if (!enc::is_compatible(env->header.version, kSmpClientVersions)) {
    co_return AgentError(PeerError{PeerErrorType::a_version});
  }
  const bool confirmation_phase = !rq.e2e_dh_secret && env->header.e2e_key;
  const bool message_phase = rq.e2e_dh_secret && !env->header.e2e_key;
  const bool again = !confirmation_phase && !message_phase && confirmation_again(conn, *env);
  if (!confirmation_phase && !message_phase && !again) co_return prohibited();
  auto key = confirmation_phase ? crypto::CbKey::from_keys(*env->header.e2e_key, rq.e2e_priv_key)
                                : crypto::CbKey::from_dh_secret(rq.e2e_dh_secret->view());
  if (!key) co_return to_agent_error(key.error());
  auto cm = open_client_message(*key, *env);
  if (!cm) co_return is_crypto(cm.error()) ? to_agent_error(cm.error()) : bad_message();
  auto envelope = decode_agent_envelope(cm->body);
  if (!envelope) co_return bad_message();
  if (!enc::is_compatible(agent_version(*envelope), kAgentVersions)) {
    co_return AgentError(PeerError{PeerErrorType::a_version});
  }

  AResult<void> r = prohibited();
  if (again) {
    // The inviting party's confirmation carries the X3DH parameters, the joining party's not.
    auto* c = std::get_if<AgentConfirmation>(&*envelope);
    const bool inviting = conn_type(conn) == ConnType::rcv;
    if (c == nullptr || c->e2e.has_value() != inviting || !cm->header.sender_key) {
      co_return prohibited();
    }
    // Told the first time (CONF, or INFO), and accepted; what is left is KEY, unless that was
    // done too.
    r = AResult<void>{};
    if (rq.status == QueueStatus::confirmed) {
      r = co_await key_rcv_queue(rq, *cm->header.sender_key, true);
    }
  } else if (confirmation_phase) {
    if (auto* c = std::get_if<AgentConfirmation>(&*envelope); c && cm->header.sender_key) {
      r = co_await process_confirmation(conn, *cm->header.sender_key, *env->header.e2e_key, *c);
    } else if (auto* i = std::get_if<AgentInvitation>(&*envelope); i && !cm->header.sender_key) {
      r = process_invitation(conn, *i);
    }
  } else if (auto* e = std::get_if<AgentMsgEnvelope>(&*envelope); e && !cm->header.sender_key) {
    co_return co_await process_agent_message(conn, msg, e->enc_agent_message, acked);
  }
  if (!r) co_return r;
  acked = true;
  co_return co_await ack_handled(rq);
}

// The confirmation already handled, delivered again because its ACK never reached the server:
// at the joining party after INFO (duplex), at the inviting party after LET (receive-only,
// until the reply arrives). Both stored the E2E secret of that confirmation's key.
bool AgentCore::confirmation_again(const Connection& conn, const ClientMsgEnvelope& env) const {
  const RcvQueue& rq = *rcv_queue_of(conn);
  const ConnType type = conn_type(conn);
  if ((type != ConnType::duplex && type != ConnType::rcv) || !rq.e2e_dh_secret ||
      !env.header.e2e_key) {
    return false;
  }
  if (rq.status != QueueStatus::confirmed && rq.status != QueueStatus::secured) return false;
  auto secret = crypto::dh(*env.header.e2e_key, rq.e2e_priv_key);
  return secret && constant_time_equal(secret->view(), rq.e2e_dh_secret->view());
}

net::awaitable<AResult<void>> AgentCore::ack_handled(const RcvQueue& rq) {
  co_await all_told();
  auto r = co_await ack_queue(rq);
  if (!r) spdlog::debug("agent: ACK of a handled message failed: {}", encode_agent_error(r.error()));
  co_return AResult<void>{};
}

AResult<std::optional<DecryptResult>> AgentCore::open_ratchet(const ConnId& conn_id,
                                                             const Bytes& enc) {
  auto rc = from_store(db([&](AgentStore& s) { return s.get_ratchet(conn_id); }));
  if (!rc) return rc.error();
  auto skipped = from_store(db([&](AgentStore& s) { return s.get_skipped_keys(conn_id); }));
  if (!skipped) return skipped.error();
  auto dec = rc_decrypt(*rc, *skipped, enc, random_key_generator());
  if (!dec) {
    // The key of this message is gone: a copy of one already received (the sender stopped
    // after the server took it, and sent the stored message again).
    if (dec.error() == make_error_code(errc::ratchet_duplicate) ||
        dec.error() == make_error_code(errc::ratchet_header)) {
      return std::optional<DecryptResult>();
    }
    return to_agent_error(dec.error());
  }
  // A message number of the current chain that was received already: the header opened, so
  // this is the same message again (the state is unchanged; nothing to save).
  if (!dec->plaintext && dec->plaintext.error() == make_error_code(errc::ratchet_duplicate)) {
    return std::optional<DecryptResult>();
  }
  return std::optional<DecryptResult>(std::move(*dec));
}

AResult<void> AgentCore::save_ratchet(const ConnId& conn_id, const DecryptResult& dec) {
  return from_store(db([&](AgentStore& s) { return s.update_ratchet(conn_id, dec.state, dec.skipped); }));
}

net::awaitable<AResult<void>> AgentCore::process_agent_message(const Connection& conn,
                                                               const client::ReceivedMessage& msg,
                                                               const Bytes& enc_agent_message,
                                                               bool& acked) {
  const ConnId& conn_id = conn_data(conn).conn_id;
  const RcvQueue& rq = *rcv_queue_of(conn);
  auto opened = open_ratchet(conn_id, enc_agent_message);
  if (!opened) co_return opened.error();
  if (!*opened) {
    spdlog::debug("agent: dropping a copy of a message received before");
    acked = true;
    co_return co_await ack_handled(rq);
  }
  DecryptResult& dec = **opened;
  if (!dec.plaintext) {
    (void)save_ratchet(conn_id, dec);  // quirk Q8: the advanced state is kept
    co_return to_agent_error(dec.plaintext.error());
  }
  const Bytes& plain = *dec.plaintext;
  auto pt = decode_agent_plaintext(plain);
  if (!pt || !std::holds_alternative<AgentMessage>(*pt)) {
    (void)save_ratchet(conn_id, dec);
    co_return pt ? prohibited() : bad_message();
  }
  const AgentMessage& am = std::get<AgentMessage>(*pt);
  NewRcvMessage rm{now(),
                   agent_msg_type_of(am.message),
                   plain,
                   am.header.snd_msg_id,
                   am.header.prev_msg_hash,
                   msg.msg_id,
                   broker_time(msg.timestamp)};
  // The message and the ratchet that opened it are stored together, before anything is told.
  auto stored = db([&](AgentStore& s) {
    return s.atomically([&](AgentStore& t) -> Result<RcvMsgResult> {
      SMP_TRY_VOID(t.update_ratchet(conn_id, dec.state, dec.skipped));
      return t.create_rcv_message(conn_id, rm);
    });
  });
  if (!stored) co_return store_agent_error(stored.error());

  if (auto* user = std::get_if<UserMessage>(&am.message)) {
    // No ACK: the client's ACK <id> sends it (spec §7.8).
    MsgMeta meta{stored->integrity, stored->internal_id, rm.internal_ts,
                 msg.msg_id,        rm.broker_ts,        am.header.snd_msg_id};
    notify(conn_id, cmd::Msg{std::move(meta), user->body});
    co_return AResult<void>{};
  }
  auto handled = co_await handle_control_message(conn_id, am.message, false);
  // Cut short by close(): kept (and not ACKed), so that after a restart the server's copy
  // is handled again as `redelivered`.
  if (!handled && closing_) co_return handled;
  (void)db([&](AgentStore& s) { return s.delete_rcv_message(conn_id, stored->internal_id); });
  if (!handled) co_return handled;
  acked = true;
  co_return co_await ack_handled(rq);
}

net::awaitable<AResult<void>> AgentCore::redelivered(const Connection& conn,
                                                     std::int64_t internal_id, bool& acked) {
  const ConnId& conn_id = conn_data(conn).conn_id;
  auto m = from_store(db([&](AgentStore& s) { return s.get_rcv_message(conn_id, internal_id); }));
  if (!m) co_return m.error();
  auto am = stored_agent_message(*m);
  if (!am) co_return am.error();
  if (auto* user = std::get_if<UserMessage>(&am->message)) {
    // Told before, perhaps not seen: again, under the same id, marked as a duplicate.
    MsgMeta meta{MsgDuplicate{}, m->internal_id, m->internal_ts,
                 m->broker_id,   m->broker_ts,   m->snd_msg_id};
    notify(conn_id, cmd::Msg{std::move(meta), user->body});
    co_return AResult<void>{};
  }
  auto handled = co_await handle_control_message(conn_id, am->message, true);
  if (!handled && closing_) co_return handled;  // kept for the next delivery, as above
  (void)db([&](AgentStore& s) { return s.delete_rcv_message(conn_id, internal_id); });
  if (!handled) co_return handled;
  acked = true;
  co_return co_await ack_handled(*rcv_queue_of(conn));
}

net::awaitable<AResult<void>> AgentCore::handle_control_message(const ConnId& conn_id,
                                                                const AMessage& message,
                                                                bool again) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  const RcvQueue* rq = rcv_queue_of(*conn);
  if (rq == nullptr) co_return prohibited();
  if (std::holds_alternative<HelloMessage>(message)) {
    if (rq->status == QueueStatus::active) {
      if (again) co_return AResult<void>{};
      co_return prohibited();
    }
    auto set = from_store(db([&](AgentStore& s) {
      return s.set_rcv_queue_status(rq->server, rq->rcv_id, QueueStatus::active);
    }));
    if (!set) co_return set;
    if (conn_type(*conn) == ConnType::duplex) notify(conn_id, cmd::Con{});
    co_return AResult<void>{};
  }
  const auto* reply = std::get_if<ReplyMessage>(&message);
  if (reply == nullptr || reply->queues.empty()) co_return prohibited();
  // Only the inviting party gets a REPLY; a duplex connection whose send queue is still new
  // stopped half-way through one (the agent stopped before confirming).
  const SndQueue* existing = snd_queue_of(*conn);
  const bool resume = again && existing != nullptr && existing->status == QueueStatus::new_;
  if (conn_type(*conn) != ConnType::rcv && !resume) {
    if (again) co_return AResult<void>{};
    co_return prohibited();
  }
  auto acc = from_store(db([&](AgentStore& s) { return s.get_accepted_confirmation(conn_id); }));
  if (!acc) co_return acc.error();
  std::optional<SndQueue> fresh;
  if (!resume) {
    const SmpQueueInfo& info = reply->queues.front();
    if (!enc::is_compatible(info.client_version, kSmpClientVersions)) {
      co_return AgentError(PeerError{PeerErrorType::a_version});
    }
    auto sq = new_snd_queue(to_queue_uri(info, kSmpClientVersions));
    if (!sq) co_return sq.error();
    auto up = from_store(db([&](AgentStore& s) { return s.upgrade_rcv_to_duplex(conn_id, *sq); }));
    if (!up) co_return up;
    fresh = std::move(*sq);
  }
  const SndQueue& sq = fresh ? *fresh : *existing;
  auto confirmed = co_await confirm_queue(conn_id, sq, acc->own_conn_info, std::nullopt);
  if (!confirmed) co_return confirmed;
  (void)db([&](AgentStore& s) { return s.remove_confirmations(conn_id); });
  SndQueue now_confirmed = sq.clone();
  now_confirmed.status = QueueStatus::confirmed;
  auto hello = enqueue_message(conn_id, now_confirmed, HelloMessage{});
  if (!hello) co_return hello.error();
  co_return AResult<void>{};
}

net::awaitable<AResult<void>> AgentCore::process_confirmation(const Connection& conn,
                                                              const crypto::PublicKey& sender_key,
                                                              const crypto::PublicKey& e2e_pub_key,
                                                              const AgentConfirmation& confirmation) {
  const ConnId& conn_id = conn_data(conn).conn_id;
  const RcvQueue& rq = *rcv_queue_of(conn);
  if (rq.status != QueueStatus::new_) co_return prohibited();
  const ConnType type = conn_type(conn);
  if (type == ConnType::rcv && confirmation.e2e) {
    // Step 3: the ratchet from X3DH; the connection info must open without skipping keys.
    auto x3dh = from_store(db([&](AgentStore& s) { return s.get_ratchet_x3dh_keys(conn_id); }));
    if (!x3dh) co_return x3dh.error();
    auto init = x3dh_rcv(x3dh->key1, x3dh->key2, *confirmation.e2e);
    if (!init) co_return to_agent_error(init.error());
    Ratchet rc = init_rcv_ratchet(std::move(x3dh->key2), *init);
    auto dec = rc_decrypt(rc, {}, confirmation.enc_conn_info, random_key_generator());
    if (!dec) co_return to_agent_error(dec.error());
    if (!dec->plaintext || !std::holds_alternative<SkippedKeysUnchanged>(dec->skipped)) {
      co_return prohibited();
    }
    auto pt = decode_agent_plaintext(*dec->plaintext);
    if (!pt) co_return bad_message();
    auto* info = std::get_if<AgentConnInfo>(&*pt);
    if (info == nullptr) co_return prohibited();
    auto conf_id = from_store(db([&](AgentStore& s) {
      return s.create_confirmation(
          NewConfirmation{conn_id, sender_key, e2e_pub_key, info->conn_info, std::move(dec->state)});
    }));
    if (!conf_id) co_return conf_id.error();
    notify(conn_id, cmd::Conf{std::move(*conf_id), info->conn_info});
    co_return AResult<void>{};
  }
  if (type == ConnType::duplex && !confirmation.e2e) {
    // Step 8: the inviting party's confirmation on our reply queue.
    auto opened = open_ratchet(conn_id, confirmation.enc_conn_info);
    if (!opened) co_return opened.error();
    if (!*opened) co_return prohibited();
    const DecryptResult& dec = **opened;
    if (!dec.plaintext) {
      (void)save_ratchet(conn_id, dec);  // quirk Q8: the advanced state is kept
      co_return to_agent_error(dec.plaintext.error());
    }
    auto pt = decode_agent_plaintext(*dec.plaintext);
    const auto* info = pt ? std::get_if<AgentConnInfo>(&*pt) : nullptr;
    if (info == nullptr) {
      (void)save_ratchet(conn_id, dec);
      co_return pt ? prohibited() : bad_message();
    }
    auto secret = crypto::dh(e2e_pub_key, rq.e2e_priv_key);
    if (!secret) co_return to_agent_error(secret.error());
    // The advanced ratchet and the E2E secret in one transaction, before INFO: if the agent
    // stops before the ACK, the copy the server delivers again is known by that secret
    // (confirmation_again) rather than refused, and KEY is sent then.
    auto stored = from_store(db([&](AgentStore& s) {
      return s.atomically([&](AgentStore& t) -> Result<void> {
        SMP_TRY_VOID(t.update_ratchet(conn_id, dec.state, dec.skipped));
        return t.set_rcv_queue_confirmed_e2e(rq.server, rq.rcv_id, *secret);
      });
    }));
    if (!stored) co_return stored;
    notify(conn_id, cmd::Info{info->conn_info});
    co_return co_await key_rcv_queue(rq, sender_key, false);
  }
  co_return prohibited();
}

AResult<void> AgentCore::process_invitation(const Connection& conn, const AgentInvitation& inv) {
  if (conn_type(conn) != ConnType::contact) return prohibited();
  const ConnId& conn_id = conn_data(conn).conn_id;
  auto inv_id = from_store(db([&](AgentStore& s) {
    return s.create_invitation(NewInvitation{conn_id, inv.conn_request, inv.conn_info});
  }));
  if (!inv_id) return inv_id.error();
  notify(conn_id, cmd::Req{std::move(*inv_id), inv.conn_info});
  return {};
}

}  // namespace smp::agent::detail
