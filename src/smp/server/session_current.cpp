// What a Session of the current generation (SMP 6..18) does with each transmission of a
// batch: verification (Server.hs verifyTransmission at simplexmq 6.5.5), then the command
// with the reference's semantics (processCommand). Like session_commands.cpp, everything here
// runs on the session's executor without suspending.
//
// Not offered by this server, and answered as the reference answers a server without them:
// client services (a service signature, SUBS, NSUBS → SERVICE). The proxy role (PRXY, PFWD)
// is in session_proxy.cpp.

#include <chrono>
#include <string>

#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"
#include "smp/encoding/base64.h"
#include "smp/protocol/error_type.h"
#include "smp/protocol/forwarding.h"
#include "smp/protocol/queue_info.h"
#include "smp/protocol/wire_format.h"
#include "smp/server/random_ids.h"
#include "smp/server/session.h"
#include "smp/server/verify.h"

namespace smp::server {

namespace {

namespace cmd = protocol::cmd;
namespace msg = protocol::msg;

errc smp_error(const error_code& ec) {
  auto e = static_cast<errc>(ec.value());
  return ec.category() == smp_category() && protocol::is_error_type(e) ? e : errc::smp_internal;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int kIdAttempts = 3;

protocol::BlockingInfo protocol_blocking(const BlockingInfo& b) {
  protocol::BlockingInfo info;
  info.reason = b.reason == BlockingReason::content ? protocol::BlockingReason::content
                                                    : protocol::BlockingReason::spam;
  if (b.notice) info.notice = protocol::BlockingInfo::Notice{.ttl = b.notice->ttl};
  return info;
}

QueueMode store_mode(protocol::QueueMode m) {
  return m == protocol::QueueMode::contact ? QueueMode::contact : QueueMode::messaging;
}

protocol::QueueMode wire_mode(QueueMode m) {
  return m == QueueMode::contact ? protocol::QueueMode::contact : protocol::QueueMode::messaging;
}

}  // namespace

void Session::respond_encoded(const protocol::ReceivedCommand& rc,
                              const protocol::BrokerMessage& m) {
  auto encoded = protocol::encode_broker_message(answer_params_->version, m);
  if (!encoded) return respond_error(rc.corr_id, rc.queue_id, errc::smp_internal);
  Outgoing& o = respond(rc);
  o.kind = Outgoing::Kind::encoded;
  o.encoded = std::move(*encoded);
}

void Session::respond_smp_error(const protocol::ReceivedCommand& rc, const protocol::SmpError& e) {
  if (e.code != errc::smp_blocked && e.code != errc::smp_proxy && e.code != errc::smp_store) {
    return respond_error(rc.corr_id, rc.queue_id, e.code);
  }
  respond_encoded(rc, msg::Err{e});
}

void Session::handle_batch(ByteView content) {
  batch_.clear();
  protocol::receive_command_batch(content, tparams_, batch_);
  for (const protocol::ReceivedCommand& rc : batch_) {
    if (!rc.message) {
      respond_error(rc.corr_id, rc.queue_id, rc.error());
      continue;
    }
    dispatch_current(rc, *rc.message);
  }
  batch_.clear();
}

void Session::dispatch_current(const protocol::ReceivedCommand& rc,
                               const protocol::Command& command) {
  const crypto::PrivateKey* sk = server_dh_key_;
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  // A queue that is not there costs a dummy verification and answers AUTH.
  auto missing = [&] {
    reject_with_dummy_verification(rc, sk);
    fail(errc::smp_auth);
  };
  std::optional<QueueId> qid = queue_id_from(rc.queue_id);

  // NEW names no queue yet (party_of counts it with the recipient's commands).
  if (const auto* c = std::get_if<cmd::New>(&command)) {
    if (rc.service_signature) return fail(errc::smp_service);
    if (!verify_signature(rc, c->rcv_key, sk)) return fail(errc::smp_auth);
    const auto& password = ctx_.config.new_queue_basic_auth;
    bool allowed = ctx_.config.allow_new_queues &&
                   (!password || (c->basic_auth && constant_time_equal(
                                                       *c->basic_auth, as_bytes(*password))));
    if (!allowed) return fail(errc::smp_auth);
    return create_queue_current(rc, *c);
  }

  switch (protocol::party_of(command)) {
    case protocol::Party::recipient: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_recipient(*qid) : std::nullopt;
      if (!q) return missing();
      // No client services here: a service signature cannot verify (verifyServiceSig).
      if (rc.service_signature) return fail(errc::smp_service);
      if (!verify_any_key(rc, recipient_keys(*q), sk)) return fail(errc::smp_auth);
      return recipient_command(rc, command, *q);
    }
    case protocol::Party::sender: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_sender(*qid) : std::nullopt;
      if (!q) return missing();
      if (rc.service_signature) return fail(errc::smp_service);
      return sender_command(rc, command, *q);
    }
    case protocol::Party::link: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_link(*qid) : std::nullopt;
      if (!q) return missing();
      if (rc.service_signature) return fail(errc::smp_service);
      return link_command(rc, command, *q);
    }
    case protocol::Party::notifier: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_notifier(*qid) : std::nullopt;
      if (!q) return missing();
      if (rc.service_signature) return fail(errc::smp_service);
      if (!q->notifier) return missing();
      if (!verify_signature(rc, q->notifier->notifier_key, sk)) return fail(errc::smp_auth);
      return subscribe_notifications_current(rc, q->notifier->notifier_id);
    }
    case protocol::Party::none:
      break;
  }

  if (rc.service_signature) return fail(errc::smp_service);
  if (std::holds_alternative<cmd::Ping>(command)) {
    Outgoing& o = respond(rc);
    o.kind = Outgoing::Kind::pong;
    o.queue_id.assign({});
    return;
  }
  // SUBS / NSUBS need a client service, which this server never accepts.
  if (std::holds_alternative<cmd::Subs>(command) || std::holds_alternative<cmd::NSubs>(command)) {
    return fail(errc::smp_service);
  }
  if (const auto* c = std::get_if<cmd::Prxy>(&command)) return proxy_relay_key(rc, *c);
  if (const auto* c = std::get_if<cmd::PFwd>(&command)) return proxy_forward(rc, *c);
  if (const auto* c = std::get_if<cmd::RFwd>(&command)) return forwarded_command(rc, *c);
  fail(errc::smp_internal);  // unreachable: every command has a party
}

// The control port blocked a queue this connection is subscribed to: ERR BLOCKED with its
// info (SMP v1, which has no BLOCKED: AUTH).
void Session::on_blocked(const QueueId& rid, const BlockingInfo& info) {
  if (closed_ || !subscriptions_.contains(rid) || !queue_has_room_for_notification()) return;
  if (!current_) return respond_error({}, view(rid), errc::smp_auth);
  auto encoded = protocol::encode_broker_message(
      tparams_.version, msg::Err{protocol::SmpError::blocked(protocol_blocking(info))});
  if (!encoded) return;
  Outgoing& o = queue_.push_back();
  o.queue_id.assign(view(rid));
  o.kind = Outgoing::Kind::encoded;
  o.encoded = std::move(*encoded);
  wake_writer();
}

// --- recipient ---------------------------------------------------------------------------------

void Session::touch_queue(QueueRecord& q) {
  const SystemDate today = system_date_of(now_seconds());
  if (q.updated_at == today) return;
  if (auto changed = ctx_.queues.update_time(q.recipient_id, today); changed && *changed) {
    ctx_.append_log(StoreLogTime{q.recipient_id, today});
  }
  q.updated_at = today;
}

void Session::recipient_command(const protocol::ReceivedCommand& rc,
                                const protocol::Command& command, QueueRecord& q) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  auto ok = [&] { respond(rc).kind = Outgoing::Kind::ok; };
  const QueueId& rid = q.recipient_id;
  // OFF and DEL act on a blocked queue too; everything else answers BLOCKED (withQueue_).
  if (std::holds_alternative<cmd::Off>(command)) return suspend_queue(rc, rid);
  if (std::holds_alternative<cmd::Del>(command)) return delete_queue(rc, q);
  if (q.status == QueueStatus::blocked) {
    return respond_smp_error(rc, protocol::SmpError::blocked(protocol_blocking(q.blocking)));
  }
  touch_queue(q);

  if (std::holds_alternative<cmd::Sub>(command)) return subscribe_current(rc, q);
  if (std::holds_alternative<cmd::Get>(command)) return get_message(rc, q);
  if (const auto* c = std::get_if<cmd::Ack>(&command)) return acknowledge_current(rc, q, c->msg_id);
  if (const auto* c = std::get_if<cmd::Key>(&command)) {
    if (auto r = ctx_.queues.secure(rid, c->sender_key, SecureCommand::key); !r) {
      return fail(smp_error(r.error()));
    }
    ctx_.append_log(StoreLogSecure{rid, c->sender_key});
    bump(ctx_.stats.queues_secured);
    return ok();
  }
  if (const auto* c = std::get_if<cmd::RKey>(&command)) {
    if (q.mode != QueueMode::contact) return fail(errc::smp_auth);
    if (auto r = ctx_.queues.update_recipient_keys(rid, c->keys); !r) {
      return fail(smp_error(r.error()));
    }
    ctx_.append_log(StoreLogKeys{rid, c->keys});
    return ok();
  }
  if (const auto* c = std::get_if<cmd::LSet>(&command)) {
    auto link_id = queue_id_from(c->link_id);
    if (!link_id || is_secured_messaging_queue(q)) return fail(errc::smp_auth);
    if (q.link && q.link->link_id != *link_id) return fail(errc::smp_auth);  // cannot change it
    QueueLinkData link{.link_id = *link_id,
                       .fixed_data = Bytes(c->data.fixed_data.begin(), c->data.fixed_data.end()),
                       .user_data = Bytes(c->data.user_data.begin(), c->data.user_data.end())};
    if (auto r = ctx_.queues.set_link(rid, link); !r) {
      // Another queue's link id: the reference would take it over; we refuse.
      return fail(r.error() == errc::already_exists ? errc::smp_auth : smp_error(r.error()));
    }
    ctx_.append_log(StoreLogLink{rid, std::move(link)});
    return ok();
  }
  if (std::holds_alternative<cmd::LDel>(command)) {
    if (q.link) {
      if (auto r = ctx_.queues.delete_link(rid); !r) return fail(smp_error(r.error()));
      ctx_.append_log(StoreLogDeleteLink{rid});
    }
    return ok();
  }
  if (const auto* c = std::get_if<cmd::NKey>(&command)) return add_notifier_current(rc, q, *c);
  if (std::holds_alternative<cmd::NDel>(command)) return delete_notifier(rc, q);
  if (std::holds_alternative<cmd::Que>(command)) return queue_info(rc, q);
  fail(errc::smp_internal);  // unreachable
}

// NEW: optionally with the sender id (and link id) the client chose for a short link, and
// with notifier credentials (v17+).
void Session::create_queue_current(const protocol::ReceivedCommand& rc, const cmd::New& c) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  crypto::KeyPair server_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto secret = crypto::dh(c.rcv_dh_key, server_dh.private_key);
  if (!secret) return fail(errc::smp_cmd_syntax);  // a small-order key (see create_queue)
  auto dh_secret = DhSecret25519::from(secret->view());
  if (!dh_secret) return fail(errc::smp_internal);

  std::optional<crypto::KeyPair> ntf_dh;
  std::optional<DhSecret25519> ntf_secret;
  if (c.ntf_creds) {
    ntf_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
    auto s = crypto::dh(c.ntf_creds->rcv_ntf_dh_key, ntf_dh->private_key);
    if (!s) return fail(errc::smp_cmd_syntax);
    ntf_secret = DhSecret25519::from(s->view());
  }

  // Ids the client chose: the sender id must be the first 24 bytes of SHA3-384(corrId), so
  // that creating a queue cannot probe whether an id exists.
  std::optional<QueueId> client_sender_id;
  std::optional<LinkId> client_link_id;
  std::shared_ptr<const QueueLinkData> link_data;
  const auto& request = c.queue_request;
  if (request && request->link) {
    client_sender_id = queue_id_from(request->link->sender_id);
    const auto expected = crypto::sha3_384(rc.corr_id);
    if (!client_sender_id ||
        !std::equal(client_sender_id->begin(), client_sender_id->end(), expected.begin())) {
      return fail(errc::smp_cmd_prohibited);
    }
    if (request->mode == protocol::QueueMode::contact) {
      client_link_id = queue_id_from(request->link->link_id);
      if (!client_link_id) return fail(errc::smp_cmd_syntax);
    }
  }

  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    QueueRecord q{.recipient_id = random_id<kQueueIdSize>(),
                  .sender_id = client_sender_id.value_or(random_id<kQueueIdSize>()),
                  .recipient_key = c.rcv_key,
                  .recipient_dh_secret = *dh_secret};
    if (request) q.mode = store_mode(request->mode);
    if (request && request->link) {
      const auto& d = request->link->data;
      q.link = std::make_shared<const QueueLinkData>(QueueLinkData{
          .link_id = client_link_id.value_or(random_id<kQueueIdSize>()),
          .fixed_data = Bytes(d.fixed_data.begin(), d.fixed_data.end()),
          .user_data = Bytes(d.user_data.begin(), d.user_data.end())});
    }
    if (ntf_secret) {
      q.notifier = NotifierCredentials{.notifier_id = random_id<kQueueIdSize>(),
                                       .notifier_key = c.ntf_creds->notifier_key,
                                       .dh_secret = *ntf_secret};
    }
    q.updated_at = system_date_of(now_seconds());
    auto added = ctx_.queues.add(q);
    if (!added) {
      if (added.error() != errc::already_exists) return fail(smp_error(added.error()));
      if (client_sender_id) return fail(errc::smp_auth);  // no retry with the client's ids
      continue;
    }
    ctx_.append_log(StoreLogCreate{q});
    bump(ctx_.stats.queues_created);
    if (c.sub_mode == protocol::SubscriptionMode::subscribe) {
      (void)take_delivery(subscription_for(q));  // empty: the subscription waits
    }
    msg::Ids ids{.rcv_id = view(q.recipient_id),
                 .snd_id = view(q.sender_id),
                 .srv_dh_key = server_dh.public_key};
    if (q.mode) ids.queue_mode = wire_mode(*q.mode);
    if (q.link) ids.link_id = view(q.link->link_id);
    if (q.notifier) {
      ids.ntf_creds = msg::Ids::NtfCreds{.notifier_id = view(q.notifier->notifier_id),
                                         .srv_ntf_dh_key = ntf_dh->public_key};
    }
    return respond_encoded(rc, ids);
  }
  fail(errc::smp_internal);
}

// SUB: SOK (OK below v16) with the command's corrId; the message waiting, if any, follows as
// a MSG of its own with no corrId (the reference sends it apart, so that the client does not
// time out on a batch of subscriptions).
void Session::subscribe_current(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  auto existing = subscriptions_.find(q.recipient_id);
  if (existing != subscriptions_.end() && existing->second.by_get) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_cmd_prohibited);
  }
  Subscription& sub = subscription_for(q);
  if (sub.state == Subscription::State::delivered) sub.state = Subscription::State::idle;
  respond(rc).kind = Outgoing::Kind::sok;
  if (auto m = take_delivery(sub)) {
    Outgoing& o = queue_.push_back();
    o.queue_id.assign(view(q.recipient_id));
    push_msg(o, std::move(*m), sub);
    wake_writer();
  }
}

// GET: the head message (again, if delivered and not acknowledged) with the command's corrId,
// or OK. The connection is not registered as the queue's subscriber.
void Session::get_message(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  auto [it, inserted] = subscriptions_.try_emplace(q.recipient_id);
  Subscription& sub = it->second;
  if (inserted) {
    sub.by_get = true;
    sub.queue = ctx_.messages.get_or_create(q.recipient_id);
    sub.recipient_dh = q.recipient_dh_secret;
  } else if (!sub.by_get) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_cmd_prohibited);
  }
  auto m = sub.queue->peek();
  if (!m) {
    sub.state = Subscription::State::idle;
    respond(rc).kind = Outgoing::Kind::ok;
    return;
  }
  sub.state = Subscription::State::delivered;
  sub.delivered_id = m->id;
  bump(ctx_.stats.msgs_delivered);
  push_msg(respond(rc), std::move(*m), sub);
}

// ACK msgId: the delivered message, named by its id (or by an empty id), is removed; a
// subscription then gets the next message with the ACK's corrId.
void Session::acknowledge_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                                  ByteView msg_id) {
  auto it = subscriptions_.find(q.recipient_id);
  if (it == subscriptions_.end() || it->second.state != Subscription::State::delivered) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_no_msg);
  }
  Subscription& sub = it->second;
  // Only the id of the message delivered acknowledges it (an empty one too is NO_MSG), as the
  // reference's acknowledgeMsg.
  if (!std::equal(msg_id.begin(), msg_id.end(), sub.delivered_id.begin(), sub.delivered_id.end())) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_no_msg);
  }
  (void)sub.queue->pop_if_head(sub.delivered_id);
  sub.state = Subscription::State::idle;
  if (sub.by_get) {
    respond(rc).kind = Outgoing::Kind::ok;
    return;
  }
  respond_delivery(rc, sub);
}

// NKEY: a notifier with a fresh id and a DH secret for NMSG metadata; a notifier the queue
// already had is replaced, and its subscriber told (DELD).
void Session::add_notifier_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                                   const cmd::NKey& c) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  if (!c.rcv_ntf_dh_key) return fail(errc::smp_cmd_syntax);
  crypto::KeyPair server_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto secret = crypto::dh(*c.rcv_ntf_dh_key, server_dh.private_key);
  if (!secret) return fail(errc::smp_cmd_syntax);
  auto dh_secret = DhSecret25519::from(secret->view());
  if (!dh_secret) return fail(errc::smp_internal);
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    NotifierCredentials creds{.notifier_id = random_id<kQueueIdSize>(),
                              .notifier_key = c.notifier_key,
                              .dh_secret = *dh_secret};
    auto r = ctx_.queues.add_notifier(q.recipient_id, creds, NotifierRule::replace);
    if (!r) {
      if (r.error() == errc::already_exists) continue;
      return fail(smp_error(r.error()));
    }
    if (*r) {
      announce_deleted((*r)->notifier_id, true);
      ctx_.notifications.remove((*r)->notifier_id);
    }
    ctx_.append_log(StoreLogNotifier{q.recipient_id, creds});
    return respond_encoded(rc, msg::Nid{.notifier_id = view(creds.notifier_id),
                                        .srv_ntf_dh_key = server_dh.public_key});
  }
  fail(errc::smp_internal);
}

void Session::delete_notifier(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  auto r = ctx_.queues.delete_notifier(q.recipient_id);
  if (!r) return respond_error(rc.corr_id, rc.queue_id, smp_error(r.error()));
  if (*r) {
    ctx_.append_log(StoreLogDeleteNotifier{q.recipient_id});
    announce_deleted((*r)->notifier_id, true);
    ctx_.notifications.remove((*r)->notifier_id);
  }
  respond(rc).kind = Outgoing::Kind::ok;
}

// QUE: the queue's state for debugging, as the reference's QueueInfo (no contents).
void Session::queue_info(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  protocol::QueueInfo info{.sender_secured = q.sender_key.has_value(),
                           .notifier = q.notifier.has_value()};
  if (auto it = subscriptions_.find(q.recipient_id); it != subscriptions_.end()) {
    const Subscription& sub = it->second;
    using Thread = protocol::QueueInfo::SubThread;
    info.sub = protocol::QueueInfo::Sub{.thread = sub.by_get     ? Thread::prohibit_sub
                                                  : sub.deferred ? Thread::sub_pending
                                                                 : Thread::no_sub};
    if (sub.state == Subscription::State::delivered) {
      info.sub->delivered_msg_id = to_bytes(view(sub.delivered_id));
    }
  }
  std::shared_ptr<MessageQueue> mq = ctx_.messages.find(q.recipient_id);
  info.size = mq ? mq->size() : 0;
  if (auto head = mq ? mq->peek() : std::nullopt) {
    info.message = protocol::QueueInfo::Msg{.msg_id = to_bytes(view(head->id)),
                                            .timestamp = head->timestamp,
                                            .quota = head->is_quota()};
  }
  const std::string json = protocol::encode_queue_info(info);
  respond_encoded(rc, msg::Info{.json = as_bytes(json)});
}

// --- sender and link ---------------------------------------------------------------------------

void Session::sender_command(const protocol::ReceivedCommand& rc, const protocol::Command& command,
                             QueueRecord& q) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  const crypto::PrivateKey* sk = server_dh_key_;
  if (const auto* c = std::get_if<cmd::Send>(&command)) {
    // Accepted without authorization until the queue is secured (KEY, SKEY or LKEY).
    const crypto::PublicKey* key = q.sender_key ? &*q.sender_key : nullptr;
    if (!verify_optional_key(rc, key, sk)) return fail(errc::smp_auth);
    touch_queue(q);  // even when blocked (withQueue_ False); SEND then answers BLOCKED
    return send_message_current(rc, q, *c);
  }
  if (const auto* c = std::get_if<cmd::SKey>(&command)) {
    // verifySecure: only a messaging queue not secured with another key; signed by the key.
    bool allowed = q.mode == QueueMode::messaging && (!q.sender_key || *q.sender_key == c->sender_key);
    if (!allowed) return missing_key(rc);
    if (!verify_signature(rc, c->sender_key, sk)) return fail(errc::smp_auth);
    if (q.status == QueueStatus::blocked) {
      return respond_smp_error(rc, protocol::SmpError::blocked(protocol_blocking(q.blocking)));
    }
    touch_queue(q);
    if (auto r = ctx_.queues.secure(q.recipient_id, c->sender_key, SecureCommand::skey); !r) {
      return fail(smp_error(r.error()));
    }
    ctx_.append_log(StoreLogSecure{q.recipient_id, c->sender_key});
    bump(ctx_.stats.queues_secured);
    respond(rc).kind = Outgoing::Kind::ok;
    return;
  }
  fail(errc::smp_internal);  // unreachable
}

void Session::missing_key(const protocol::ReceivedCommand& rc) {
  reject_with_dummy_verification(rc, server_dh_key_);
  respond_error(rc.corr_id, rc.queue_id, errc::smp_auth);
}

void Session::link_command(const protocol::ReceivedCommand& rc, const protocol::Command& command,
                           QueueRecord& q) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  if (const auto* c = std::get_if<cmd::LKey>(&command)) {
    bool allowed = q.mode == QueueMode::messaging && (!q.sender_key || *q.sender_key == c->sender_key);
    if (!allowed) return missing_key(rc);
    if (!verify_signature(rc, c->sender_key, server_dh_key_)) return fail(errc::smp_auth);
    if (q.status == QueueStatus::blocked) {
      return respond_smp_error(rc, protocol::SmpError::blocked(protocol_blocking(q.blocking)));
    }
    touch_queue(q);
    if (auto r = ctx_.queues.secure(q.recipient_id, c->sender_key, SecureCommand::key); !r) {
      return fail(smp_error(r.error()));
    }
    ctx_.append_log(StoreLogSecure{q.recipient_id, c->sender_key});
    bump(ctx_.stats.queues_secured);
    return respond_link(rc, q);
  }
  if (std::holds_alternative<cmd::LGet>(command)) {
    // A contact address's link data is readable by anyone with its link id.
    if (!is_contact_queue(q)) return fail(errc::smp_auth);
    if (q.status == QueueStatus::blocked) {
      return respond_smp_error(rc, protocol::SmpError::blocked(protocol_blocking(q.blocking)));
    }
    touch_queue(q);
    return respond_link(rc, q);
  }
  fail(errc::smp_internal);  // unreachable
}

void Session::respond_link(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  if (!q.link || !std::equal(rc.queue_id.begin(), rc.queue_id.end(), q.link->link_id.begin(),
                             q.link->link_id.end())) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_auth);
  }
  respond_encoded(rc, msg::Lnk{.sender_id = view(q.sender_id),
                               .data = {.fixed_data = q.link->fixed_data,
                                        .user_data = q.link->user_data}});
}

// SEND flags body: the 6.5.5 quota rule (a marker when the queue fills, then nothing until it
// is empty); a secured messaging queue loses its link data on the first message; the notifier
// is told only when the flags ask for it.
void Session::send_message_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                                   const cmd::Send& c) {
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  if (c.body.size() > protocol::max_message_length(answer_params_->version)) {
    return fail(errc::smp_large_msg);
  }
  if (q.status == QueueStatus::off) return fail(errc::smp_auth);
  if (q.status == QueueStatus::blocked) {
    return respond_smp_error(rc, protocol::SmpError::blocked(protocol_blocking(q.blocking)));
  }
  const QueueId& rid = q.recipient_id;
  if (q.link && is_secured_messaging_queue(q)) {
    if (ctx_.queues.delete_link(rid)) ctx_.append_log(StoreLogDeleteLink{rid});
  }
  std::shared_ptr<MessageQueue> mq = ctx_.messages.get_or_create(rid);
  Message m;
  m.id = random_id<kMsgIdSize>();
  m.timestamp = now_seconds();
  m.flags.notification = c.notification;
  m.body = std::make_shared<const Bytes>(c.body.begin(), c.body.end());
  const MsgId id = m.id;
  const std::int64_t timestamp = m.timestamp;
  auto pushed = mq->push(std::move(m), ctx_.config.msg_queue_quota, QuotaRule::mark);
  if (!pushed) return fail(smp_error(pushed.error()));
  bump(ctx_.stats.msgs_sent);
  if (*pushed) {  // the queue was empty: a waiting subscriber gets it now
    if (auto s = ctx_.subscribers.find(rid)) s->post_message_arrived(rid);
  }
  if (c.notification) notify(q, id, timestamp);
  respond(rc).kind = Outgoing::Kind::ok;
}

// NSUB: SOK (OK below v16); takes the notifier subscription over (END to the previous holder).
void Session::subscribe_notifications_current(const protocol::ReceivedCommand& rc,
                                              const QueueId& nid) {
  if (notifier_subscriptions_.insert(nid).second) {
    if (auto previous = ctx_.notifiers.replace(nid, shared_from_this())) {
      previous->post_end(nid, true);
    }
  }
  respond(rc).kind = Outgoing::Kind::sok;
  on_notifications_ready(nid);  // what arrived while no one was subscribed
}

// --- forwarded commands (RFWD) -----------------------------------------------------------------

void Session::forwarded_command(const protocol::ReceivedCommand& rc, const cmd::RFwd& c) {
  using protocol::SmpError;
  auto transport_error = [&](protocol::TransportErrorInfo::Kind kind) {
    protocol::ProxyErrorInfo info;
    info.kind = protocol::ProxyErrorInfo::Kind::broker;
    info.broker.kind = protocol::BrokerErrorInfo::Kind::transport;
    info.broker.transport.kind = kind;
    respond_smp_error(rc, SmpError::proxy(std::move(info)));
  };
  const auto& session_secret = transport_->params().session_secret;
  if (server_dh_key_ == nullptr || !session_secret) {
    return transport_error(protocol::TransportErrorInfo::Kind::no_auth);
  }
  auto fail = [&](errc e) { respond_error(rc.corr_id, rc.queue_id, e); };
  auto proxy_key = crypto::CbKey::from_dh_secret(session_secret->view());
  if (!proxy_key) return fail(errc::smp_internal);
  const crypto::CbNonce proxy_nonce = crypto::cb_nonce(rc.corr_id);
  auto forwarded = protocol::open_no_pad(*proxy_key, proxy_nonce, c.encrypted);
  if (!forwarded) return fail(errc::smp_crypto);
  auto fwd = protocol::parse_fwd_transmission(*forwarded);
  if (!fwd) return fail(errc::smp_cmd_syntax);
  auto client_key = crypto::CbKey::from_keys(fwd->key, *server_dh_key_);
  if (!client_key) return fail(errc::smp_crypto);
  const crypto::CbNonce client_nonce = crypto::cb_nonce(fwd->corr_id);
  auto inner = client_key->decrypt(client_nonce, fwd->encrypted);
  if (!inner) return fail(errc::smp_crypto);

  // The sender's version, with this connection's other parameters (smpTHParamsSetVersion).
  protocol::TransmissionParams params = tparams_;
  params.version = fwd->version;
  params.service_auth = fwd->version >= protocol::kServiceCertsVersion;
  std::vector<protocol::ReceivedCommand> received;
  protocol::receive_command_batch(*inner, params, received);
  if (received.size() != 1) return fail(errc::smp_block);  // one transmission only
  const protocol::ReceivedCommand& t = received.front();

  // Run it, its answer captured instead of queued.
  Outgoing answer;
  capture_ = &answer;
  answer_params_ = &params;
  if (!t.message) {
    respond_error(t.corr_id, t.queue_id, t.error());
  } else {
    const protocol::Command& command = *t.message;
    bool allowed = std::holds_alternative<cmd::Send>(command) ||
                   std::holds_alternative<cmd::SKey>(command) ||
                   std::holds_alternative<cmd::LKey>(command) ||
                   std::holds_alternative<cmd::LGet>(command);
    if (allowed) {
      dispatch_current(t, command);
    } else {
      respond_error(t.corr_id, t.queue_id, errc::smp_cmd_prohibited);
    }
  }
  capture_ = nullptr;
  answer_params_ = &tparams_;

  // The answer as a batch of one, padded and encrypted for the sender, then for the proxy.
  Bytes batch(protocol::kMaxBatchContent);
  protocol::BatchWriter writer(batch);
  auto added = add_outgoing(answer, params, writer);
  if (!added || !*added) return fail(errc::smp_block);
  batch.resize(writer.size());
  auto response = client_key->encrypt(protocol::reverse_nonce(client_nonce), batch,
                                      protocol::kPaddedProxiedLength);
  if (!response) return fail(errc::smp_block);
  auto fr = protocol::encode_fwd_response({.corr_id = fwd->corr_id, .encrypted = *response});
  if (!fr) return fail(errc::smp_internal);
  Bytes sealed = protocol::seal_no_pad(*proxy_key, protocol::reverse_nonce(proxy_nonce), *fr);
  bump(ctx_.stats.msgs_forwarded);
  Outgoing& o = respond(rc);
  o.queue_id.assign({});
  o.kind = Outgoing::Kind::encoded;
  auto encoded = protocol::encode_broker_message(tparams_.version, msg::RRes{.encrypted = sealed});
  if (!encoded) {
    o.kind = Outgoing::Kind::err;
    o.error = errc::smp_internal;
    return;
  }
  o.encoded = std::move(*encoded);
}

}  // namespace smp::server
