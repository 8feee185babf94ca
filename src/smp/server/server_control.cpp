#include "smp/server/server_control.h"

#include "smp/server/stats_reporter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>
#include <system_error>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "smp/encoding/base64.h"
#include "smp/protocol/error_type.h"
#include "smp/server/session.h"

namespace smp::server {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "error: AUTH": the ErrorType of a store failure, as the reference shows it.
std::string error_line(const error_code& ec) {
  errc e = ec.category() == smp_category() ? static_cast<errc>(ec.value()) : errc::smp_internal;
  return fmt::format("error: {}\n", protocol::error_type_text(e));
}

// Show for an Int64 as an argument of a constructor (Just): negative numbers in parentheses.
std::string show_argument(std::int64_t n) {
  return n < 0 ? fmt::format("({})", n) : std::to_string(n);
}

std::string show_updated_at(const std::optional<SystemDate>& date) {
  if (!date) return "Nothing";
  return fmt::format("Just (RoundedSystemTime {{roundedSeconds = {}}})", *date);
}

std::string_view show_queue_mode(const std::optional<QueueMode>& mode) {
  if (!mode) return "Nothing";
  return *mode == QueueMode::contact ? "Just QMContact" : "Just QMMessaging";
}

// The reference's strEncode of a SystemTime (ISO 8601 in UTC), to the second.
std::string iso8601(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", tm);
}

// The threads of this process (the reference prints its runtime's thread count).
std::size_t process_threads() {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/self/task", ec);
  if (ec) return 0;
  return static_cast<std::size_t>(std::distance(tasks, std::filesystem::directory_iterator()));
}

// The live connections in client-id order.
std::vector<std::shared_ptr<Session>> sessions_by_id(const ServerContext& ctx) {
  auto sessions = ctx.live_sessions();
  std::sort(sessions.begin(), sessions.end(),
            [](const auto& a, const auto& b) { return a->client_id() < b->client_id(); });
  return sessions;
}

// The ids of the live connections holding entries in `counts`.
std::set<std::uint64_t> subscribed_clients(const std::vector<std::shared_ptr<Session>>& sessions,
                                           const std::unordered_map<const Session*, std::size_t>& counts) {
  std::set<std::uint64_t> ids;
  for (const auto& s : sessions) {
    if (counts.contains(s.get())) ids.insert(s->client_id());
  }
  return ids;
}

}  // namespace

std::string show_blocking_info(const BlockingInfo& info) {
  std::string notice = "Nothing";
  if (info.notice) {
    notice = fmt::format("Just (ClientNotice {{ttl = {}}})",
                         info.notice->ttl ? "Just " + show_argument(*info.notice->ttl)
                                          : std::string("Nothing"));
  }
  return fmt::format("BlockingInfo {{reason = {}, notice = {}}}",
                     info.reason == BlockingReason::content ? "BRContent" : "BRSpam", notice);
}

std::string show_queue_status(const QueueRecord& q) {
  switch (q.status) {
    case QueueStatus::off:
      return "EntityOff";
    case QueueStatus::blocked:
      return "EntityBlocked (" + show_blocking_info(q.blocking) + ")";
    case QueueStatus::active:
      break;
  }
  return "EntityActive";
}

ServerControl::ServerControl(ServerContext& ctx, ServerControlOptions options)
    : ctx_(ctx), options_(std::move(options)) {}

std::optional<QueueRecord> ServerControl::find(ByteView id) const {
  std::optional<QueueId> qid = queue_id_from(id);
  if (!qid) return std::nullopt;
  if (auto q = ctx_.queues.by_sender(*qid)) return q;
  return ctx_.queues.by_link(*qid);
}

// The reference's labels for the counters this server keeps.
std::string ServerControl::stats() const {
  std::size_t notifiers = 0;
  ctx_.queues.for_each([&](const QueueRecord& q) { notifiers += q.notifier.has_value(); });
  std::size_t messages = 0;
  ctx_.messages.for_each(
      [&](const QueueId&, const MessageQueue& mq) { messages += mq.size(); });
  const StatsSnapshot s = take_snapshot(ctx_.stats, ctx_.queues.size());
  std::string out = fmt::format(
      "qCreated: {}\nqSecured: {}\nqDeletedAll: {}\nmsgSent: {}\nmsgRecv: {}\nmsgExpired: {}\n"
      "qCount: {}\nnotifiers: {}\nmsgCount: {}\n",
      s.queues_created, s.queues_secured, s.queues_deleted, s.msgs_sent, s.msgs_delivered,
      s.msgs_expired, s.queues, notifiers, messages);
  // The proxy role's counters, as the reference's putProxyStat lines.
  auto proxy_line = [&out](std::string_view label, const ProxyCounts& c) {
    fmt::format_to(std::back_inserter(out),
                   "{}: requests={}, successes={}, errorsConnect={}, errorsCompat={}, "
                   "errorsOther={}\n",
                   label, c.requests, c.successes, c.errors_connect, c.errors_compat,
                   c.errors_other);
  };
  proxy_line("pRelays", s.proxy_relays);
  proxy_line("pRelaysOwn", s.proxy_relays_own);
  proxy_line("pMsgFwds", s.proxy_forwards);
  proxy_line("pMsgFwdsOwn", s.proxy_forwards_own);
  fmt::format_to(std::back_inserter(out), "pMsgFwdsRecv: {}\n", s.msgs_forwarded);
  return out;
}

std::string ServerControl::clients() const {
  std::string out =
      "clientId,sessionId,connected,createdAt,rcvActiveAt,sndActiveAt,age,subscriptions\n";
  const auto subscriptions = ctx_.subscribers.count_by_owner();
  const std::int64_t now = unix_now();
  for (const auto& s : sessions_by_id(ctx_)) {
    auto subs = subscriptions.find(s.get());
    std::int64_t received = s->received_at(), sent = s->sent_at();
    fmt::format_to(std::back_inserter(out), "{},{},True,{},{},{},{},{}\n", s->client_id(),
                   enc::b64_encode(s->session_id()), iso8601(s->connected_at()),
                   iso8601(received != 0 ? received : s->connected_at()),
                   iso8601(sent != 0 ? sent : s->connected_at()), now - s->connected_at(),
                   subs == subscriptions.end() ? 0 : subs->second);
  }
  return out;
}

std::string ServerControl::server_info() const {
  const auto sessions = sessions_by_id(ctx_);
  const auto smp = ctx_.subscribers.count_by_owner();
  const auto ntf = ctx_.notifiers.count_by_owner();
  std::size_t smp_subscriptions = 0, ntf_subscriptions = 0;
  for (const auto& [owner, n] : smp) smp_subscriptions += n;
  for (const auto& [owner, n] : ntf) ntf_subscriptions += n;
  std::set<std::uint64_t> ntf_clients = subscribed_clients(sessions, ntf);
  return fmt::format(
      "Threads: {}\nClients: {}\nSMP subscriptions: {}\nSMP subscribed clients: {}\n"
      "Ntf subscriptions: {}\nNtf subscribed clients: {} [{}]\n",
      process_threads(), sessions.size(), smp_subscriptions,
      subscribed_clients(sessions, smp).size(), ntf_subscriptions, ntf_clients.size(),
      fmt::join(ntf_clients, ","));
}

std::string ServerControl::delete_queue(ByteView id) {
  auto q = find(id);
  if (!q) return error_line(make_error_code(errc::smp_auth));
  auto deleted = ctx_.remove_queue(*q, nullptr);
  if (!deleted) return error_line(deleted.error());
  return fmt::format("ok, {} messages deleted\n", *deleted);
}

std::string ServerControl::status(ByteView id) const {
  auto q = find(id);
  if (!q) return error_line(make_error_code(errc::smp_auth));
  return fmt::format("status: {}, updatedAt: {}, queueMode: {}\n", show_queue_status(*q),
                     show_updated_at(q->updated_at), show_queue_mode(q->mode));
}

std::string ServerControl::block(ByteView id, const BlockingInfo& info) {
  const std::int64_t today = system_date_of(unix_now());
  if (today != block_day_) {
    block_day_ = today;
    blocked_today_ = 0;
  }
  const std::int64_t quota = options_.daily_block_quota;
  if (quota != 0 && blocked_today_ >= quota) {
    return fmt::format("error: reached limit of {} queues blocked daily\n", quota);
  }
  auto q = find(id);
  if (!q) return error_line(make_error_code(errc::smp_auth));
  const QueueId& rid = q->recipient_id;
  if (q->status != QueueStatus::blocked || q->blocking != info) {
    if (auto r = ctx_.queues.block(rid, info); !r) return error_line(r.error());
    ctx_.append_log(StoreLogBlock{rid, info});
    if (auto subscriber = ctx_.subscribers.find(rid)) subscriber->post_blocked(rid, info);
  }
  const std::string blocked = "EntityBlocked (" + show_blocking_info(info) + ")";
  if (q->status == QueueStatus::active) {
    ++blocked_today_;
    return "ok, queue blocked: " + blocked + "\n";
  }
  return "ok, already inactive: " + blocked + "\n";
}

std::string ServerControl::unblock(ByteView id) {
  auto q = find(id);
  if (!q) return error_line(make_error_code(errc::smp_auth));
  switch (q->status) {
    case QueueStatus::active:
      return "ok, queue was active\n";
    case QueueStatus::off:
      return "error, queue is inactive\n";
    case QueueStatus::blocked:
      break;
  }
  if (auto r = ctx_.queues.unblock(q->recipient_id); !r) return error_line(r.error());
  ctx_.append_log(StoreLogUnblock{q->recipient_id});
  return "ok, queue unblocked, reason to block was: " + show_blocking_info(q->blocking) + "\n";
}

std::string ServerControl::save() {
  std::string out = "saving server state...\n";
  if (!options_.save_messages) {
    spdlog::info("control port: undelivered messages are not saved (no store log or "
                 "restore_messages = off)");
    return out + "server state saved!\n";
  }
  auto saved = options_.save_messages();
  if (!saved) {
    spdlog::error("control port: cannot save messages: {}", saved.error().message());
    return out + "error: cannot save messages: " + saved.error().message() + "\n";
  }
  spdlog::info("control port: saved {} undelivered messages", *saved);
  return out + "server state saved!\n";
}

}  // namespace smp::server
