// What a Session does with each received transmission (spec §4.3-§4.6): verification, then
// the command with the reference's semantics. Every function here runs on the session's
// executor without suspending, so a command is atomic with respect to posted notifications.


#include "smp/server/session.h"

#include <chrono>

#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "smp/protocol/wire_format.h"
#include "smp/server/random_ids.h"
#include "smp/server/verify.h"

namespace smp::server {

namespace {

// Store errors as the SMP error to answer with: the smp_* values as they are, anything else
// INTERNAL.
errc smp_error(const error_code& ec) {
  auto e = static_cast<errc>(ec.value());
  bool is_smp = ec.category() == smp_category() && e >= errc::smp_block && e <= errc::smp_internal;
  return is_smp ? e : errc::smp_internal;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The reference tries three fresh random ids before giving up with INTERNAL.
constexpr int kIdAttempts = 3;

}  // namespace

Outgoing& Session::new_response() {
  if (capture_ != nullptr) return *capture_;
  return queue_.push_back();
}

Outgoing& Session::respond(const protocol::ReceivedCommand& rc) {
  Outgoing& o = new_response();
  o.corr_id.assign(rc.corr_id);
  o.queue_id.assign(rc.queue_id);
  wake_writer();
  return o;
}

void Session::respond_error(ByteView corr_id, ByteView queue_id, errc e) {
  Outgoing& o = new_response();
  o.kind = Outgoing::Kind::err;
  o.error = e;
  o.corr_id.assign(corr_id);
  o.queue_id.assign(queue_id);
  wake_writer();
}

void Session::handle_block(ByteView content) {
  auto rc = protocol::receive_command(content, transport_->session_id());
  if (!rc.message) {
    respond_error(rc.corr_id, rc.queue_id, rc.error());
    return;
  }
  dispatch(rc, *rc.message);
}

void Session::dispatch(const protocol::ReceivedCommand& rc, const protocol::Command& command) {
  namespace cmd = protocol::cmd;
  auto auth_error = [&] { respond_error(rc.corr_id, rc.queue_id, errc::smp_auth); };
  auto missing_queue = [&] {
    reject_with_dummy_verification(rc);
    auth_error();
  };
  // An id that is not 24 bytes names no queue; it goes through the missing-queue path.
  std::optional<QueueId> qid = queue_id_from(rc.queue_id);

  if (const auto* c = std::get_if<cmd::New>(&command)) {
    if (!verify_signature(rc, c->rcv_key)) return auth_error();
    // SMP v1's NEW has no field for the server's create_password: a server that asks for one
    // (or takes no new queues) refuses it, as it refuses a current NEW without the password.
    if (!ctx_.config.allow_new_queues || ctx_.config.new_queue_basic_auth) return auth_error();
    return create_queue(rc, *c);
  }
  if (std::holds_alternative<cmd::Ping>(command)) {
    Outgoing& o = respond(rc);
    o.kind = Outgoing::Kind::pong;
    o.queue_id.assign({});
    return;
  }

  switch (protocol::party_of(command)) {
    case protocol::Party::recipient: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_recipient(*qid) : std::nullopt;
      if (!q) return missing_queue();
      if (!verify_signature(rc, q->recipient_key)) return auth_error();
      // A queue blocked from the control port takes only OFF and DEL, as the reference's
      // withQueue: the others get BLOCKED, which SMP v1 is sent as AUTH.
      if (q->status == QueueStatus::blocked && !std::holds_alternative<cmd::Off>(command) &&
          !std::holds_alternative<cmd::Del>(command)) {
        return respond_error(rc.corr_id, rc.queue_id, errc::smp_blocked);
      }
      const QueueId& rid = q->recipient_id;
      if (std::holds_alternative<cmd::Sub>(command)) return subscribe_queue(rc, *q);
      if (std::holds_alternative<cmd::Ack>(command)) return acknowledge(rc, rid);
      if (const auto* k = std::get_if<cmd::Key>(&command)) {
        return secure_queue(rc, rid, k->sender_key);
      }
      if (const auto* k = std::get_if<cmd::NKey>(&command)) {
        return add_notifier(rc, rid, k->notifier_key);
      }
      if (std::holds_alternative<cmd::Off>(command)) return suspend_queue(rc, rid);
      if (std::holds_alternative<cmd::Del>(command)) return delete_queue(rc, *q);
      break;
    }
    case protocol::Party::sender: {
      const auto* send = std::get_if<cmd::Send>(&command);
      if (send == nullptr) break;
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_sender(*qid) : std::nullopt;
      if (!q) return missing_queue();
      const crypto::PublicKey* key = q->sender_key ? &*q->sender_key : nullptr;
      if (!verify_optional_key(rc, key)) return auth_error();
      return send_message(rc, *q, send->body);
    }
    case protocol::Party::notifier: {
      std::optional<QueueRecord> q = qid ? ctx_.queues.by_notifier(*qid) : std::nullopt;
      if (!q || !q->notifier) return missing_queue();
      if (!verify_optional_key(rc, &q->notifier->notifier_key)) return auth_error();
      return subscribe_notifications(rc, q->notifier->notifier_id);
    }
    case protocol::Party::link:
    case protocol::Party::none:
      break;  // no such command in SMP v1
  }
  respond_error(rc.corr_id, rc.queue_id, errc::smp_internal);  // unreachable
}

// NEW: a fresh queue with a server DH key; the creating connection is subscribed to it.
void Session::create_queue(const protocol::ReceivedCommand& rc, const protocol::cmd::New& c) {
  crypto::KeyPair server_dh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto secret = crypto::dh(c.rcv_dh_key, server_dh.private_key);
  // A small-order DH key would make the secret all zeros (the reference would accept it);
  // we refuse the command as malformed.
  if (!secret) return respond_error(rc.corr_id, rc.queue_id, errc::smp_cmd_syntax);
  auto dh_secret = DhSecret25519::from(secret->view());
  if (!dh_secret) return respond_error(rc.corr_id, rc.queue_id, errc::smp_internal);

  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    QueueRecord q{.recipient_id = random_id<kQueueIdSize>(),
                  .sender_id = random_id<kQueueIdSize>(),
                  .recipient_key = c.rcv_key,
                  .recipient_dh_secret = *dh_secret,
                  .sender_key = std::nullopt,
                  .notifier = std::nullopt};
    auto added = ctx_.queues.add(q);
    if (!added) {
      if (added.error() == errc::already_exists) continue;
      return respond_error(rc.corr_id, rc.queue_id, smp_error(added.error()));
    }
    ctx_.append_log(StoreLogCreate{q});
    bump(ctx_.stats.queues_created);
    // As SUB, with the result dropped: the new queue is empty, so the subscription waits.
    (void)take_delivery(subscription_for(q));
    Outgoing& o = respond(rc);  // queueId: the command's, which is empty
    o.kind = Outgoing::Kind::ids;
    o.id_a = q.recipient_id;
    o.id_b = q.sender_id;
    o.key = server_dh.public_key;
    return;
  }
  respond_error(rc.corr_id, rc.queue_id, errc::smp_internal);
}

Session::Subscription& Session::subscription_for(const QueueRecord& q) {
  const QueueId& rid = q.recipient_id;
  auto [it, inserted] = subscriptions_.try_emplace(rid);
  if (inserted) {
    it->second.queue = ctx_.messages.get_or_create(rid);
    it->second.recipient_dh = q.recipient_dh_secret;
    // Registered before the first peek, so a SEND that misses the peek finds us here.
    if (auto previous = ctx_.subscribers.replace(rid, shared_from_this())) {
      previous->post_end(rid, false);
    }
  }
  return it->second;
}

std::optional<Message> Session::take_delivery(Subscription& sub) {
  if (sub.state == Subscription::State::waiting) return std::nullopt;
  auto m = sub.queue->peek();
  if (!m) {
    sub.state = Subscription::State::waiting;
    return std::nullopt;
  }
  sub.state = Subscription::State::delivered;
  sub.delivered_id = m->id;
  bump(ctx_.stats.msgs_delivered);
  return m;
}

void Session::respond_delivery(const protocol::ReceivedCommand& rc, Subscription& sub) {
  auto m = take_delivery(sub);
  Outgoing& o = respond(rc);
  if (m) {
    push_msg(o, std::move(*m), sub);
  } else {
    o.kind = Outgoing::Kind::ok;
  }
}

// SUB: a repeated SUB clears the delivered flag, so the unacknowledged message comes again.
void Session::subscribe_queue(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  Subscription& sub = subscription_for(q);
  if (sub.state == Subscription::State::delivered) sub.state = Subscription::State::idle;
  respond_delivery(rc, sub);
}

// ACK: only after a delivery on this connection; removes that message, then delivers on.
void Session::acknowledge(const protocol::ReceivedCommand& rc, const QueueId& rid) {
  auto it = subscriptions_.find(rid);
  if (it == subscriptions_.end() || it->second.state != Subscription::State::delivered) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_no_msg);
  }
  Subscription& sub = it->second;
  // By id: if the message expired meanwhile, the next one is not removed unseen.
  (void)sub.queue->pop_if_head(sub.delivered_id);
  sub.state = Subscription::State::idle;
  respond_delivery(rc, sub);
}

// KEY: logged only once it succeeded (the reference logs first, quirk Q2).
void Session::secure_queue(const protocol::ReceivedCommand& rc, const QueueId& rid,
                           const crypto::PublicKey& key) {
  if (auto r = ctx_.queues.secure(rid, key, SecureCommand::v1_key); !r) {
    return respond_error(rc.corr_id, rc.queue_id, smp_error(r.error()));
  }
  ctx_.append_log(StoreLogSecure{rid, key});
  bump(ctx_.stats.queues_secured);
  respond(rc).kind = Outgoing::Kind::ok;
}

void Session::add_notifier(const protocol::ReceivedCommand& rc, const QueueId& rid,
                           const crypto::PublicKey& key) {
  for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
    NotifierCredentials creds{.notifier_id = random_id<kQueueIdSize>(), .notifier_key = key};
    auto r = ctx_.queues.add_notifier(rid, creds, NotifierRule::refuse);
    if (!r) {
      if (r.error() == errc::already_exists) continue;
      return respond_error(rc.corr_id, rc.queue_id, smp_error(r.error()));
    }
    ctx_.append_log(StoreLogNotifier{rid, creds});
    Outgoing& o = respond(rc);
    o.kind = Outgoing::Kind::nid;
    o.id_a = creds.notifier_id;
    return;
  }
  respond_error(rc.corr_id, rc.queue_id, errc::smp_internal);
}

// OFF: logged as SUSPEND (the reference logs DELETE, quirk Q1). SUB and ACK go on working.
void Session::suspend_queue(const protocol::ReceivedCommand& rc, const QueueId& rid) {
  if (auto r = ctx_.queues.suspend(rid); !r) {
    return respond_error(rc.corr_id, rc.queue_id, smp_error(r.error()));
  }
  ctx_.append_log(StoreLogSuspend{rid});
  respond(rc).kind = Outgoing::Kind::ok;
}

// DEL: the record and every message go before OK. Subscriptions end silently, as in the
// reference, but are also forgotten so they hold no messages.
void Session::delete_queue(const protocol::ReceivedCommand& rc, const QueueRecord& q) {
  if (auto r = ctx_.remove_queue(q, this); !r) {
    return respond_error(rc.corr_id, rc.queue_id, smp_error(r.error()));
  }
  subscriptions_.erase(q.recipient_id);
  if (q.notifier) notifier_subscriptions_.erase(q.notifier->notifier_id);
  respond(rc).kind = Outgoing::Kind::ok;
}

// SEND: the body is stored as sent; the subscriber, if waiting, gets it as MSG, encrypted
// for the recipient when it is written (send_queue.h). A queue that is not active (off, or
// blocked) answers AUTH.
void Session::send_message(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                           ByteView body) {
  if (body.size() > protocol::kMaxMessageLength) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_large_msg);
  }
  if (q.status != QueueStatus::active) {
    return respond_error(rc.corr_id, rc.queue_id, errc::smp_auth);
  }
  const QueueId& rid = q.recipient_id;
  std::shared_ptr<MessageQueue> mq = ctx_.messages.get_or_create(rid);
  const std::size_t quota = ctx_.config.msg_queue_quota;
  // Checked before copying the body (push checks again).
  if (mq->size() >= quota) return respond_error(rc.corr_id, rc.queue_id, errc::smp_quota);

  Message m;
  m.id = random_id<kMsgIdSize>();
  m.timestamp = now_seconds();
  m.flags.notification = true;  // SMP v1 has no flags: every message is notified
  m.body = std::make_shared<const Bytes>(body.begin(), body.end());
  const MsgId id = m.id;
  const std::int64_t timestamp = m.timestamp;
  if (auto pushed = mq->push(std::move(m), quota, QuotaRule::refuse); !pushed) {
    return respond_error(rc.corr_id, rc.queue_id, smp_error(pushed.error()));
  }
  bump(ctx_.stats.msgs_sent);
  notify(q, id, timestamp);
  if (auto s = ctx_.subscribers.find(rid)) s->post_message_arrived(rid);
  respond(rc).kind = Outgoing::Kind::ok;
}

void Session::push_msg(Outgoing& o, Message m, const Subscription& sub) {
  o.kind = Outgoing::Kind::msg;
  o.message = std::move(m);
  o.recipient_dh = sub.recipient_dh;
}

// NSUB: takes the notifier subscription over (END to the previous holder).
void Session::subscribe_notifications(const protocol::ReceivedCommand& rc, const QueueId& nid) {
  if (notifier_subscriptions_.insert(nid).second) {
    if (auto previous = ctx_.notifiers.replace(nid, shared_from_this())) {
      previous->post_end(nid, true);
    }
  }
  respond(rc).kind = Outgoing::Kind::ok;
}

void Session::announce_deleted(const QueueId& id, bool notifier) {
  SubscriberMap<Session>& map = notifier ? ctx_.notifiers : ctx_.subscribers;
  if (notifier) {
    notifier_subscriptions_.erase(id);
  } else {
    subscriptions_.erase(id);
  }
  if (auto holder = map.remove(id); holder && holder.get() != this) {
    holder->post_deleted(id, notifier);
  }
}

void Session::notify(const QueueRecord& q, const MsgId& msg_id, std::int64_t timestamp) {
  if (!q.notifier) return;
  const QueueId& nid = q.notifier->notifier_id;
  if (!q.notifier->dh_secret) {  // an SMP v1 notifier: told now or never
    if (auto n = ctx_.notifiers.find(nid)) n->post_notification(nid);
    return;
  }
  auto key = crypto::CbKey::from_dh_secret(q.notifier->dh_secret->view());
  if (!key) return;
  StoredNotification stored{.timestamp = timestamp, .nonce = crypto::random_cb_nonce()};
  if (!protocol::seal_ntf_meta(*key, stored.nonce, view(msg_id), timestamp, stored.enc_meta)) {
    return;
  }
  ctx_.notifications.add(nid, stored);
  if (auto n = ctx_.notifiers.find(nid)) n->post_notifications_ready(nid);
}

}  // namespace smp::server
