// Losing and regaining a server (spec §7.11): DOWN for every connection subscribed there,
// then reconnect with the fast-start schedule and SUB each queue again; UP for those
// resubscribed, ERR SMP e for a queue the server refuses.
#include <set>

#include <spdlog/spdlog.h>

#include "smp/agent/agent_core.h"

namespace smp::agent::detail {

void AgentCore::server_down(const protocol::SmpServer& server,
                            std::vector<ServerClients::Subscription> subs) {
  if (closing_) return;
  std::set<ConnId> told;
  for (const auto& s : subs) {
    if (told.insert(s.conn_id).second) notify(s.conn_id, cmd::Down{});
  }
  auto self = shared_from_this();
  spawn([self, server, subs = std::move(subs)]() mutable {
    return self->reconnect(std::move(server), std::move(subs));
  });
}

net::awaitable<void> AgentCore::reconnect(protocol::SmpServer server,
                                          std::vector<ServerClients::Subscription> subs) {
  auto self = shared_from_this();
  RetrySchedule schedule =
      RetrySchedule::fast_start(config_.retry_interval, config_.fast_retry_initial);
  for (;;) {
    if (!co_await sleep(schedule.next())) co_return;
    if (co_await resubscribe(server, subs)) co_return;
  }
}

net::awaitable<bool> AgentCore::resubscribe(const protocol::SmpServer& server,
                                            const std::vector<ServerClients::Subscription>& subs) {
  auto guard = co_await lock_.lock();
  if (closing_) co_return true;
  auto c = co_await clients_->get(server);
  if (!c) co_return false;
  std::vector<ConnId> up;
  for (const auto& sub : subs) {
    if (clients_->subscribed(server, sub.rcv_id)) continue;  // subscribed again meanwhile
    auto conn = db([&](AgentStore& s) { return s.get_rcv_connection(server, sub.rcv_id); });
    if (!conn) continue;  // deleted meanwhile
    const RcvQueue& rq = *rcv_queue_of(*conn);
    auto r = co_await (*c)->subscribe(rq.rcv_private_key, rq.rcv_id);
    if (r) {
      clients_->add_subscription(server, rq.rcv_id, conn_data(*conn).conn_id);
      up.push_back(conn_data(*conn).conn_id);
      continue;
    }
    const int n = r.error().value();
    if (r.error().category() == smp_category() && n >= static_cast<int>(errc::smp_block) &&
        n <= static_cast<int>(errc::smp_internal)) {
      notify(conn_data(*conn).conn_id, cmd::Err{SmpError{static_cast<errc>(n)}});
      continue;
    }
    co_return false;  // the connection failed again: the whole attempt is retried
  }
  std::set<ConnId> told;
  for (const auto& id : up) {
    if (told.insert(id).second) notify(id, cmd::Up{});
  }
  // Deliveries to this server waiting for their next attempt may go now.
  retry_deliveries_now(server);
  co_return true;
}

}  // namespace smp::agent::detail
