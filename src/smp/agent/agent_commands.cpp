// The client commands of spec §7.2 with the behaviour of §7.6–§7.9.
#include <chrono>

#include <spdlog/spdlog.h>

#include "smp/agent/agent_core.h"
#include "smp/agent/envelope_format.h"

namespace smp::agent::detail {

namespace {

AgentError prohibited_cmd() { return CmdError{CommandErrorType::prohibited}; }
AgentError simplex() { return ConnError{ConnectionErrorType::simplex}; }
AgentError unexpected_status() { return InternalError{"unexpected queue status"}; }

}  // namespace

net::awaitable<AResult<std::pair<ConnId, AgentCommand>>> AgentCore::run_command(
    ConnId conn_id, AgentCommand command) {
  using Answer = std::pair<ConnId, AgentCommand>;
  auto ok = [&](const AResult<void>& r) -> AResult<Answer> {
    if (!r) return r.error();
    return Answer{conn_id, cmd::Ok{}};
  };
  if (command_party(command) != Party::client) co_return prohibited_cmd();
  if (conn_id.empty() && !conn_id_optional(command)) {
    co_return AgentError(CmdError{CommandErrorType::no_conn});
  }
  if (auto* c = std::get_if<cmd::New>(&command)) {
    auto r = co_await new_conn(conn_id, c->mode);
    if (!r) co_return r.error();
    co_return Answer{std::move(r->first), cmd::Inv{std::move(r->second)}};
  }
  if (auto* c = std::get_if<cmd::Join>(&command)) {
    auto r = co_await join_conn(conn_id, c->request, c->conn_info);
    if (!r) co_return r.error();
    co_return Answer{std::move(*r), cmd::Ok{}};
  }
  if (auto* c = std::get_if<cmd::Let>(&command)) {
    co_return ok(co_await allow_connection(conn_id, c->conf_id, c->conn_info));
  }
  if (auto* c = std::get_if<cmd::Acpt>(&command)) {
    auto r = co_await accept_contact(conn_id, c->inv_id, c->conn_info);
    if (!r) co_return r.error();
    co_return Answer{std::move(*r), cmd::Ok{}};
  }
  if (auto* c = std::get_if<cmd::Rjct>(&command)) {
    co_return ok(
        from_store(db([&](AgentStore& s) { return s.delete_invitation(conn_id, c->inv_id); })));
  }
  if (std::holds_alternative<cmd::Sub>(command))
    co_return ok(co_await subscribe_connection(conn_id));
  if (auto* c = std::get_if<cmd::Send>(&command)) {
    auto r = co_await send_message(conn_id, c->body);
    if (!r) co_return r.error();
    co_return Answer{conn_id, cmd::Mid{*r}};
  }
  if (auto* c = std::get_if<cmd::Ack>(&command)) co_return ok(co_await ack_message(conn_id, c->id));
  if (std::holds_alternative<cmd::Off>(command)) co_return ok(co_await suspend_connection(conn_id));
  if (std::holds_alternative<cmd::Del>(command)) co_return ok(co_await delete_connection(conn_id));
  co_return prohibited_cmd();
}

net::awaitable<AResult<std::pair<ConnId, ConnectionRequest>>> AgentCore::new_conn(
    ConnId conn_id, ConnectionMode mode) {
  // A taken id is refused before a queue is made for it (the reference makes the queue first).
  if (!conn_id.empty() && db([&](AgentStore& s) { return s.get_connection(conn_id); })) {
    co_return AgentError(ConnError{ConnectionErrorType::duplicate});
  }
  auto q = co_await new_rcv_queue(pick_server());
  if (!q) co_return q.error();
  auto id = from_store(
      db([&](AgentStore& s) { return s.create_rcv_connection(conn_id, mode, q->queue); }));
  if (!id) co_return id.error();
  clients_->add_subscription(q->queue.server, q->queue.rcv_id, *id);
  ConnectionRequest request{
      mode, ConnReqScheme::simplex_chat(), kAgentVersions, {q->uri}, std::nullopt};
  if (mode == ConnectionMode::invitation) {
    E2EParamsKeys keys = generate_e2e_params(kE2eEncryptVersion, random_key_generator());
    auto stored = from_store(db([&](AgentStore& s) {
      return s.create_ratchet_x3dh_keys(*id, keys.private_key1, keys.private_key2);
    }));
    if (!stored) co_return stored.error();
    request.e2e = to_uri(keys.params, kE2eEncryptVRange);
  }
  co_return std::pair{std::move(*id), std::move(request)};
}

net::awaitable<AResult<void>> AgentCore::allow_connection(const ConnId& conn_id,
                                                          const std::string& conf_id,
                                                          const Bytes& own_info) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  auto* rc = std::get_if<RcvConnection>(&*conn);
  if (rc == nullptr) co_return prohibited_cmd();
  // A confirmation of another connection is refused without being marked accepted.
  auto accepted = db([&](AgentStore& s) {
    return s.atomically([&](AgentStore& t) -> Result<AcceptedConfirmation> {
      SMP_TRY(auto acc, t.accept_confirmation(conf_id, own_info));
      if (acc.conn_id != conn_id) return make_error_code(errc::wrong_state);
      return acc;
    });
  });
  if (!accepted) {
    if (accepted.error() == make_error_code(errc::not_found)) {
      co_return AgentError(InternalError{"SEConfirmationNotFound"});
    }
    if (accepted.error() == make_error_code(errc::wrong_state)) co_return prohibited_cmd();
    co_return store_agent_error(accepted.error());
  }
  auto saved =
      from_store(db([&](AgentStore& s) { return s.set_ratchet(conn_id, accepted->ratchet); }));
  if (!saved) co_return saved.error();
  co_return co_await secure_rcv_queue(rc->rcv_queue, accepted->sender_key, accepted->e2e_pub_key);
}

net::awaitable<AResult<ConnId>> AgentCore::accept_contact(ConnId conn_id, const std::string& inv_id,
                                                          const Bytes& own_info) {
  auto inv = db([&](AgentStore& s) { return s.get_invitation(inv_id); });
  if (!inv) {
    if (inv.error() == make_error_code(errc::not_found)) co_return prohibited_cmd();
    co_return store_agent_error(inv.error());
  }
  auto contact =
      from_store(db([&](AgentStore& s) { return s.get_connection(inv->contact_conn_id); }));
  if (!contact) co_return contact.error();
  if (conn_type(*contact) != ConnType::contact || inv->accepted) co_return prohibited_cmd();
  auto accepted =
      from_store(db([&](AgentStore& s) { return s.accept_invitation(inv_id, own_info); }));
  if (!accepted) co_return accepted.error();
  co_return co_await join_conn(std::move(conn_id), inv->conn_req, own_info);
}

net::awaitable<AResult<void>> AgentCore::subscribe_connection(const ConnId& conn_id) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  switch (conn_type(*conn)) {
    case ConnType::duplex: {
      const auto& d = std::get<DuplexConnection>(*conn);
      if (d.snd_queue.status == QueueStatus::new_) {
        // The inviting party stopped while handling REPLY, before its confirmation went out
        // (the reference answers INTERNAL): subscribing gets the stored REPLY delivered
        // again, and handling it again finishes the job.
        co_return co_await subscribe_queue(d.rcv_queue, conn_id);
      }
      resume_delivery(conn_id, d.snd_queue);
      // The reference re-secures the receive queue when the send queue is still confirmed
      // (quirk Q7, which fails): the initiator's queue was secured by LET already.
      co_return co_await subscribe_queue(d.rcv_queue, conn_id);
    }
    case ConnType::snd: {
      const auto& sc = std::get<SndConnection>(*conn);
      resume_delivery(conn_id, sc.snd_queue);
      if (sc.snd_queue.status == QueueStatus::confirmed) co_return AResult<void>{};
      if (sc.snd_queue.status == QueueStatus::active) {
        // HELLO went through but the reply queue was not made (the agent stopped in
        // between): make it now rather than leaving the connection half-open.
        co_return co_await create_reply_queue(conn_id, sc.snd_queue);
      }
      co_return unexpected_status();
    }
    case ConnType::rcv:
    case ConnType::contact:
      co_return co_await subscribe_queue(*rcv_queue_of(*conn), conn_id);
    case ConnType::new_:
      break;
  }
  co_return unexpected_status();
}

net::awaitable<AResult<std::int64_t>> AgentCore::send_message(const ConnId& conn_id,
                                                              const Bytes& body) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  const SndQueue* sq = snd_queue_of(*conn);
  if (sq == nullptr || conn_type(*conn) == ConnType::new_) co_return simplex();
  if (body.size() > kMaxUserMessageSize) {
    // As the reference (quirk Q6): the ids are used up, so the peer later sees a gap.
    (void)db([&](AgentStore& s) { return s.skip_snd_ids(conn_id); });
    co_return AgentError(CmdError{CommandErrorType::large});
  }
  co_return enqueue_message(conn_id, *sq, UserMessage{body});
}

net::awaitable<AResult<void>> AgentCore::ack_message(const ConnId& conn_id, std::int64_t msg_id) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  const auto type = conn_type(*conn);
  if (type != ConnType::duplex && type != ConnType::rcv) co_return simplex();
  auto msg = db([&](AgentStore& s) { return s.get_rcv_message(conn_id, msg_id); });
  if (!msg) {
    if (msg.error() == make_error_code(errc::not_found)) {
      co_return AgentError(InternalError{"SEMsgNotFound"});
    }
    co_return store_agent_error(msg.error());
  }
  auto acked = co_await ack_queue(*rcv_queue_of(*conn));
  if (!acked) co_return acked.error();
  // The server has let it go: deleted with the next write (AgentStore, deferred deletions).
  db([&](AgentStore& s) { s.defer_delete_rcv_message(conn_id, msg_id); });
  flush_store_soon();
  co_return AResult<void>{};
}

net::awaitable<AResult<void>> AgentCore::suspend_connection(const ConnId& conn_id) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  const auto type = conn_type(*conn);
  if (type != ConnType::duplex && type != ConnType::rcv) co_return simplex();
  const RcvQueue& rq = *rcv_queue_of(*conn);
  auto c = co_await smp(rq.server);
  if (!c) co_return c.error();
  auto r = co_await (*c)->suspend_queue(rq.rcv_private_key, rq.rcv_id);
  if (!r) co_return smp_agent_error(r.error());
  co_return AResult<void>{};
}

net::awaitable<AResult<void>> AgentCore::delete_connection(const ConnId& conn_id) {
  auto conn = from_store(db([&](AgentStore& s) { return s.get_connection(conn_id); }));
  if (!conn) co_return conn.error();
  if (const RcvQueue* rq = rcv_queue_of(*conn)) {
    auto c = co_await smp(rq->server);
    if (!c) co_return c.error();
    auto r = co_await (*c)->delete_queue(rq->rcv_private_key, rq->rcv_id);
    if (!r) co_return smp_agent_error(r.error());
    clients_->remove_connection(conn_id);
  }
  stop_delivery(conn_id);
  co_return from_store(db([&](AgentStore& s) { return s.delete_connection(conn_id); }));
}

}  // namespace smp::agent::detail
