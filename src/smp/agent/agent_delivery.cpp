// Delivery workers (spec §7.7): one per send queue, sending its pending messages in order,
// each until it goes through or its error drops it. HELLO waits for the recipient's KEY with
// the fast-start schedule; other retries follow the reference schedule.
#include <spdlog/spdlog.h>

#include "smp/agent/agent_core.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/snd_message_body.h"
#include "smp/encoding/base64.h"

namespace smp::agent::detail {

struct AgentCore::Worker {
  Worker(ConnId conn, protocol::SmpServer srv, Bytes id, const Strand& strand)
      : conn_id(std::move(conn)),
        server(std::move(srv)),
        snd_id(std::move(id)),
        wake(strand, net::steady_timer::time_point::max()),
        retry(strand) {}
  const ConnId conn_id;
  const protocol::SmpServer server;
  const Bytes snd_id;
  net::steady_timer wake;   // parked while idle; resume_delivery() cancels it
  net::steady_timer retry;  // the wait before the next attempt
  bool stopped = false;
};

namespace {

std::string worker_key(const protocol::SmpServer& server, ByteView snd_id) {
  return protocol::str_encode(server) + "/" + enc::b64url_encode(snd_id);
}

bool in_range(errc e, errc first, errc last) {
  return static_cast<int>(e) >= static_cast<int>(first) &&
         static_cast<int>(e) <= static_cast<int>(last);
}

enum class Outcome { retry, report_and_retry, report_and_drop };

// The reference's error classes (runSmpQueueMsgDelivery).
Outcome classify(error_code error, AgentMsgType type) {
  if (error.category() != smp_category()) return Outcome::retry;
  const auto e = static_cast<errc>(error.value());
  if (e == errc::smp_quota) return Outcome::retry;
  if (e == errc::smp_auth) {
    return type == AgentMsgType::hello ? Outcome::retry : Outcome::report_and_drop;
  }
  if (in_range(e, errc::smp_cmd_unknown, errc::smp_cmd_no_queue) || e == errc::smp_large_msg) {
    return Outcome::report_and_drop;
  }
  if (in_range(e, errc::smp_block, errc::smp_internal)) return Outcome::report_and_retry;
  // The message cannot be sealed (it will not get better).
  if (in_range(e, errc::crypto_large_msg, errc::crypto_failure)) return Outcome::report_and_drop;
  return Outcome::retry;  // network, timeout, transport
}

}  // namespace

void AgentCore::resume_delivery(const ConnId& conn_id, const SndQueue& sq) {
  if (closing_) return;
  const std::string key = worker_key(sq.server, sq.snd_id);
  if (auto it = workers_.find(key); it != workers_.end() && !it->second->stopped) {
    it->second->wake.cancel();
    return;
  }
  auto worker = std::make_shared<Worker>(conn_id, sq.server, sq.snd_id, strand_);
  workers_[key] = worker;
  auto self = shared_from_this();
  spawn([self, worker]() { return self->delivery_loop(worker); });
}

void AgentCore::stop_delivery(const ConnId& conn_id) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (conn_id.empty() || it->second->conn_id == conn_id) {
      it->second->stopped = true;
      it->second->wake.cancel();
      it->second->retry.cancel();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void AgentCore::retry_deliveries_now(const protocol::SmpServer& server) {
  for (auto& [key, worker] : workers_) {
    if (worker->server == server) worker->retry.cancel();
  }
}

net::awaitable<void> AgentCore::delivery_loop(std::shared_ptr<Worker> worker) {
  auto self = shared_from_this();
  while (!worker->stopped && !closing_) {
    auto pending = db(
        [&](AgentStore& s) { return s.next_pending_snd_message(worker->server, worker->snd_id); });
    if (!pending) {
      spdlog::warn("agent: cannot read pending messages: {} ({})", pending.error().message(),
                   db([](AgentStore& s) -> std::string { return s.last_error(); }));
      worker->retry.expires_after(config_.retry_interval.initial);
      co_await worker->retry.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    if (!*pending) {
      worker->wake.expires_at(net::steady_timer::time_point::max());
      co_await worker->wake.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    co_await deliver(worker, **pending);
  }
}

net::awaitable<Result<void>> AgentCore::send_agent_message(const SndQueue& sq, const Bytes& body) {
  auto key = crypto::CbKey::from_dh_secret(sq.e2e_dh_secret.view());
  if (!key) co_return key.error();
  // A fresh nonce for every attempt (spec §7.5).
  auto sealed = seal_client_message(*key, PubHeader{kSmpClientVersion, std::nullopt},
                                    ClientMessage{PrivHeader{}, body});
  if (!sealed) co_return sealed.error();
  auto c = co_await clients_->get(sq.server);
  if (!c) co_return c.error();
  co_return co_await (*c)->send_message(&sq.snd_private_key, sq.snd_id, *sealed);
}

net::awaitable<void> AgentCore::deliver(const std::shared_ptr<Worker>& worker,
                                        const PendingSndMessage& p) {
  const ConnId& conn_id = worker->conn_id;
  auto drop = [&] {
    (void)db([&](AgentStore& s) { return s.delete_snd_message(conn_id, p.internal_id); });
  };
  auto m = db([&](AgentStore& s) { return s.get_snd_message(conn_id, p.internal_id); });
  if (!m) {
    notify(conn_id, cmd::Merr{p.internal_id, store_agent_error(m.error())});
    drop();
    co_return;
  }
  auto envelope = snd_message_envelope(*m);
  if (!envelope) {
    notify(conn_id, cmd::Merr{p.internal_id, to_agent_error(envelope.error())});
    drop();
    co_return;
  }
  RetrySchedule schedule =
      m->type == AgentMsgType::hello
          ? RetrySchedule::fast_start(config_.retry_interval, config_.fast_retry_initial)
          : RetrySchedule::reference(config_.retry_interval);
  for (;;) {
    if (worker->stopped || closing_) co_return;
    auto conn = db([&](AgentStore& s) { return s.get_connection(conn_id); });
    const SndQueue* sq = conn ? snd_queue_of(*conn) : nullptr;
    if (sq == nullptr) {  // the connection was deleted
      worker->stopped = true;
      co_return;
    }
    // The ratchet step this message was encrypted with was saved when it was queued; it is on
    // disk before the message leaves, so a power loss cannot bring it back for another.
    auto synced = co_await durable(SyncScope::commits);
    if (worker->stopped || closing_) co_return;
    if (!synced) {
      worker->retry.expires_after(schedule.next());
      co_await worker->retry.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    auto sent = co_await send_agent_message(*sq, *envelope);
    if (worker->stopped || closing_) co_return;
    if (sent) {
      co_await delivered(conn_id, *m);
      co_return;
    }
    const Outcome outcome = classify(sent.error(), m->type);
    if (outcome != Outcome::retry) {
      AgentError error = to_agent_error(sent.error());
      if (m->type == AgentMsgType::reply) {
        notify(conn_id, cmd::Err{std::move(error)});
      } else {
        notify(conn_id, cmd::Merr{m->internal_id, std::move(error)});
      }
      if (outcome == Outcome::report_and_drop) {
        drop();
        co_return;
      }
    }
    worker->retry.expires_after(schedule.next());
    co_await worker->retry.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<void> AgentCore::delivered(const ConnId& conn_id, const SndMessage& msg) {
  if (msg.type == AgentMsgType::a_msg || msg.type == AgentMsgType::reply) {
    // Accepted by the server: deleted with the next write (AgentStore, deferred deletions).
    db([&](AgentStore& s) { s.defer_delete_snd_message(conn_id, msg.internal_id); });
    flush_store_soon();
    if (msg.type == AgentMsgType::a_msg) notify(conn_id, cmd::Sent{msg.internal_id});
    co_return;
  }
  // HELLO: the queue is secured with our key; the connection moves on (spec §7.6 steps 5, 9).
  auto self = shared_from_this();
  RetrySchedule schedule =
      RetrySchedule::fast_start(config_.retry_interval, config_.fast_retry_initial);
  for (bool first = true;; first = false) {
    if (!first && !co_await sleep(schedule.next())) co_return;
    auto guard = co_await lock_.lock();
    if (closing_) co_return;
    auto conn = db([&](AgentStore& s) { return s.get_connection(conn_id); });
    if (!conn) co_return;
    const SndQueue* sq = snd_queue_of(*conn);
    if (sq == nullptr) co_return;
    if (first) {
      auto done = db([&](AgentStore& s) {
        return s.atomically([&](AgentStore& t) -> Result<void> {
          SMP_TRY_VOID(t.set_snd_queue_status(sq->server, sq->snd_id, QueueStatus::active));
          return t.delete_snd_message(conn_id, msg.internal_id);
        });
      });
      if (!done) {
        notify(conn_id, cmd::Err{store_agent_error(done.error())});
        co_return;
      }
    }
    if (const RcvQueue* rq = rcv_queue_of(*conn)) {
      // The inviting party: subscribe again and the connection is up.
      auto sub = co_await subscribe_queue(*rq, conn_id);
      if (!sub) notify(conn_id, cmd::Err{sub.error()});
      notify(conn_id, cmd::Con{});
      co_return;
    }
    // The joining party makes its reply queue; retried until it exists.
    auto reply = co_await create_reply_queue(conn_id, *sq);
    if (reply) co_return;
    spdlog::debug("agent: reply queue not created: {}", encode_agent_error(reply.error()));
  }
}

}  // namespace smp::agent::detail
