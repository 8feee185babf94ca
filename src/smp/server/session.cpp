// Session lifecycle, the reader and writer coroutines, and work posted by other connections.

#include "smp/server/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "smp/crypto/cbox.h"
#include "smp/protocol/rcv_message.h"

namespace smp::server {

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::shared_ptr<Session> Session::create(ServerContext& ctx,
                                         std::unique_ptr<transport::BlockTransport> transport) {
  return std::shared_ptr<Session>(new Session(ctx, std::move(transport)));
}

// The send queue holds more records than the limit: the reader checks for room before it
// starts reading a block, and notifications may take the free slots while the read is pending,
// yet the answers to that block must always fit — one for SMP v1, and for the current
// generation two per transmission of a batch (SUB's SOK and its MSG).
Session::Session(ServerContext& ctx, std::unique_ptr<transport::BlockTransport> transport)
    : ctx_(ctx),
      transport_(std::move(transport)),
      executor_(transport_->get_executor()),
      queue_limit_(std::max<std::size_t>(1, ctx.config.send_queue_limit)),
      client_id_(ctx.next_client_id()),
      connected_at_(unix_seconds()),
      current_(transport_->params().current),
      tparams_(protocol::TransmissionParams::for_version(transport_->smp_version(),
                                                          transport_->session_id())),
      server_dh_key_(transport_->params().server_dh_key ? &*transport_->params().server_dh_key
                                                         : nullptr),
      queue_(queue_limit_ + (current_ ? 2 * protocol::kMaxBatchCount : 1)),
      writer_wake_(executor_),
      reader_wake_(executor_),
      stall_timer_(executor_),
      idle_timer_(executor_) {}

Session::~Session() = default;

void Session::start() {
  ctx_.add_session(shared_from_this());
  bump(ctx_.stats.connections_total);
  bump(ctx_.stats.connections_current);
  spawn(reader(), "reader");
  spawn(writer(), "writer");
  if (ctx_.config.idle_timeout.count() > 0) spawn(idle_watchdog(), "idle watchdog");
}

void Session::spawn(net::awaitable<void> coroutine, const char* name) {
  net::co_spawn(executor_, std::move(coroutine),
                [self = shared_from_this(), name](std::exception_ptr e) {
                  if (!e) return;
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& ex) {
                    spdlog::warn("connection {} stopped: {}", name, ex.what());
                  } catch (...) {
                    spdlog::warn("connection {} stopped", name);
                  }
                  net::post(self->executor_, [self] { self->close(); });
                });
}

net::awaitable<void> Session::reader() {
  while (!closed_) {
    // Backpressure: stop reading until the writer catches up, or proxied commands complete.
    if (queue_.size() >= queue_limit_ || proxy_busy()) {
      co_await reader_wake_.wait();
      continue;
    }
    auto block = co_await transport_->read_block_view();
    if (closed_) break;
    if (!block) {
      // A length word beyond the block: the stream is still in sync (spec §3.4); the
      // reference answers ERR BLOCK with empty ids and reads on.
      if (block.error() == errc::transport_large_msg) {
        respond_error({}, {}, errc::smp_block);
        continue;
      }
      break;
    }
    if (ctx_.config.idle_timeout.count() > 0) last_read_ = Clock::now();
    received_at_.store(unix_seconds(), std::memory_order_relaxed);
    if (stopping_) continue;
    begin_unit();
    if (current_) {
      handle_batch(*block);
    } else {
      handle_block(*block);
    }
    end_unit();
  }
  close();
}

net::awaitable<void> Session::writer() {
  while (!closed_) {
    if (queue_.empty()) {
      if (stopping_) break;
      co_await writer_wake_.wait();
      continue;
    }
    if (current_) {
      if (!fill_batch_block()) continue;
    } else {
      // Encoded straight into the transport's block buffer: the only copy of a MSG body.
      auto encoded =
          encode_outgoing(queue_.front(), transport_->session_id(), transport_->write_buffer());
      queue_.pop_front();
      after_pop();
      if (!encoded) {
        spdlog::error("cannot encode a transmission: {}", encoded.error().message());
        continue;
      }
    }
    auto written = co_await transport_->write_prepared_block();
    if (!written || closed_) break;
    sent_at_.store(unix_seconds(), std::memory_order_relaxed);
    if (stall_armed_) stall_deadline_ = Clock::now() + ctx_.config.send_timeout;  // progress
  }
  close();
}

// Lays out a padded block in the transport's buffer: u16 length ‖ batch ‖ '#' fill.
bool Session::fill_batch_block() {
  std::span<std::uint8_t> block = transport_->write_buffer();
  protocol::BatchWriter batch(block.subspan(2));
  while (!queue_.empty()) {
    auto added = add_outgoing(queue_.front(), tparams_, batch);
    if (added && !*added) break;  // the block is full: the rest goes in the next one
    if (!added) spdlog::error("cannot encode a transmission: {}", added.error().message());
    queue_.pop_front();
    after_pop();
  }
  if (batch.empty()) return false;
  const std::size_t size = batch.size();
  block[0] = static_cast<std::uint8_t>(size >> 8);
  block[1] = static_cast<std::uint8_t>(size);
  std::fill(block.begin() + 2 + static_cast<std::ptrdiff_t>(size), block.end(), '#');
  return true;
}

net::awaitable<void> Session::idle_watchdog() {
  const auto limit = std::chrono::duration_cast<Clock::duration>(ctx_.config.idle_timeout);
  while (!closed_) {
    idle_timer_.expires_at(last_read_ + limit);
    co_await idle_timer_.async_wait(kUseTuple);
    if (closed_) break;
    if (Clock::now() - last_read_ >= limit) {
      spdlog::debug("closing an idle connection");
      close();
    }
  }
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  transport_->close();
  writer_wake_.notify();
  reader_wake_.notify();
  stall_timer_.cancel();
  idle_timer_.cancel();
  release_subscriptions();
  deferred_.clear();
  proxy_replies_.clear();
  queue_.clear();
  ctx_.remove_session(this);
  ctx_.stats.connections_current.fetch_sub(1, std::memory_order_relaxed);
}

// Unlike the reference, notifier subscriptions are released too (quirk Q4).
void Session::release_subscriptions() {
  for (const auto& [rid, sub] : subscriptions_) ctx_.subscribers.remove_if_owner(rid, this);
  subscriptions_.clear();
  for (const QueueId& nid : notifier_subscriptions_) ctx_.notifiers.remove_if_owner(nid, this);
  notifier_subscriptions_.clear();
}

// Inside a unit the writer waits for its end, so that the unit's answers go out together.
void Session::wake_writer() {
  if (in_unit_) {
    writer_due_ = true;
    return;
  }
  writer_wake_.notify();
}

void Session::end_unit() {
  in_unit_ = false;
  if (!std::exchange(writer_due_, false)) return;
  // Here rather than through a post: the answers leave before this handler returns.
  writer_wake_.notify_here();
}

template <class Work>
void Session::post_unit(Work work) {
  net::post(executor_, [self = shared_from_this(), work = std::move(work)]() mutable {
    self->begin_unit();
    work(*self);
    self->end_unit();
  });
}

void Session::after_pop() {
  if (!deferred_.empty()) flush_deferred();
  if (!proxy_replies_.empty()) flush_proxy_replies();
  if (reader_wake_.waiting() && queue_.size() < queue_limit_) reader_wake_.notify();
}

bool Session::queue_has_room_for_notification() const { return queue_.size() < queue_limit_; }

void Session::arm_stall_timer() {
  stall_deadline_ = Clock::now() + ctx_.config.send_timeout;
  if (stall_armed_) return;
  stall_armed_ = true;
  wait_for_stall();
}

void Session::wait_for_stall() {
  stall_timer_.expires_at(stall_deadline_);
  stall_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->closed_ || !self->stall_armed_) return;  // cancelled: room was found
    if (self->deferred_.empty()) {
      self->stall_armed_ = false;
    } else if (Clock::now() < self->stall_deadline_) {
      self->wait_for_stall();  // the writer made progress meanwhile
    } else {
      spdlog::debug("closing a connection that does not read its notifications");
      self->close();
    }
  });
}

void Session::flush_deferred() {
  while (!deferred_.empty() && queue_has_room_for_notification()) {
    Deferred d = deferred_.front();
    deferred_.pop_front();
    if (d.kind == Deferred::Kind::end || d.kind == Deferred::Kind::notifier_end) {
      push_end(d.id);
      continue;
    }
    if (d.kind == Deferred::Kind::deleted || d.kind == Deferred::Kind::notifier_deleted) {
      push_deleted(d.id);
      continue;
    }
    auto it = subscriptions_.find(d.id);
    if (it == subscriptions_.end()) continue;  // ended meanwhile
    it->second.deferred = false;
    if (it->second.state == Subscription::State::waiting) try_push_async_msg(d.id, it->second);
  }
  if (deferred_.empty() && stall_armed_) {
    stall_armed_ = false;
    stall_timer_.cancel();
  }
}

// --- Work posted by other connections ---------------------------------------------------------

void Session::post_message_arrived(const QueueId& rid) {
  post_unit([rid](Session& s) { s.on_message_arrived(rid); });
}

void Session::post_end(const QueueId& id, bool notifier) {
  post_unit([id, notifier](Session& s) { s.on_end(id, notifier); });
}

void Session::post_notification(const QueueId& nid) {
  post_unit([nid](Session& s) { s.on_notification(nid); });
}

void Session::post_notifications_ready(const QueueId& nid) {
  post_unit([nid](Session& s) { s.on_notifications_ready(nid); });
}

void Session::post_deleted(const QueueId& id, bool notifier) {
  post_unit([id, notifier](Session& s) { s.on_deleted(id, notifier); });
}

void Session::post_stop(bool drain) {
  net::post(executor_, [self = shared_from_this(), drain] {
    if (self->closed_) return;
    if (!drain) {
      self->close();
      return;
    }
    self->stopping_ = true;  // the writer closes once the queue is empty
    if (self->queue_.empty()) self->wake_writer();
  });
}

void Session::post_blocked(const QueueId& rid, const BlockingInfo& info) {
  post_unit([rid, info](Session& s) { s.on_blocked(rid, info); });
}

void Session::on_message_arrived(const QueueId& rid) {
  if (closed_) return;
  auto it = subscriptions_.find(rid);
  if (it == subscriptions_.end()) return;
  Subscription& sub = it->second;
  if (sub.state != Subscription::State::waiting || sub.deferred) return;
  if (!queue_has_room_for_notification()) {
    sub.deferred = true;
    deferred_.push_back({Deferred::Kind::msg, rid});
    arm_stall_timer();
    return;
  }
  try_push_async_msg(rid, sub);
}

bool Session::try_push_async_msg(const QueueId& rid, Subscription& sub) {
  auto m = sub.queue->peek();
  if (!m) return false;
  sub.state = Subscription::State::delivered;
  sub.delivered_id = m->id;
  Outgoing& o = queue_.push_back();
  o.queue_id.assign(view(rid));
  push_msg(o, std::move(*m), sub);
  bump(ctx_.stats.msgs_delivered);
  wake_writer();
  return true;
}

void Session::push_end(const QueueId& id) {
  if (!queue_has_room_for_notification()) {
    deferred_.push_back({Deferred::Kind::end, id});
    arm_stall_timer();
    return;
  }
  Outgoing& o = queue_.push_back();
  o.kind = Outgoing::Kind::end;
  o.queue_id.assign(view(id));
  wake_writer();
}

void Session::on_end(const QueueId& id, bool notifier) {
  if (closed_) return;
  std::size_t erased = notifier ? notifier_subscriptions_.erase(id) : subscriptions_.erase(id);
  if (erased == 0) return;  // already gone: nothing to end
  push_end(id);
}

void Session::push_deleted(const QueueId& id) {
  if (!queue_has_room_for_notification()) {
    deferred_.push_back({Deferred::Kind::deleted, id});
    arm_stall_timer();
    return;
  }
  Outgoing& o = queue_.push_back();
  o.kind = Outgoing::Kind::deld;
  o.queue_id.assign(view(id));
  wake_writer();
}

// NMSG is best effort, as in the reference: dropped when the notifier's own send queue is
// full (the reference checked the sender's queue instead, quirk Q3).
void Session::on_notification(const QueueId& nid) {
  if (closed_ || !notifier_subscriptions_.contains(nid)) return;
  if (!queue_has_room_for_notification()) return;
  Outgoing& o = queue_.push_back();
  o.kind = Outgoing::Kind::nmsg;
  o.queue_id.assign(view(nid));
  wake_writer();
}

// Kept notifications: as many as the send queue has room for; the rest stay in the store
// for the next message or the next NSUB.
void Session::on_notifications_ready(const QueueId& nid) {
  if (closed_ || !notifier_subscriptions_.contains(nid)) return;
  const std::size_t room = queue_limit_ > queue_.size() ? queue_limit_ - queue_.size() : 0;
  if (room == 0) return;
  for (const StoredNotification& n : ctx_.notifications.take(nid, room)) {
    Outgoing& o = queue_.push_back();
    o.queue_id.assign(view(nid));
    if (!current_) {
      o.kind = Outgoing::Kind::nmsg;  // SMP v1's NMSG carries nothing
      continue;
    }
    // NMSG nonce encMeta: the message's id and time, sealed for the notifier.
    auto encoded = protocol::encode_broker_message(
        tparams_.version,
        protocol::msg::NMsg{.nonce = ByteView(n.nonce.data(), n.nonce.size()),
                            .enc_meta = ByteView(n.enc_meta.data(), n.enc_meta.size())});
    if (!encoded) {
      o.kind = Outgoing::Kind::err;
      o.error = errc::smp_internal;
      continue;
    }
    o.kind = Outgoing::Kind::encoded;
    o.encoded = std::move(*encoded);
  }
  wake_writer();
}

// A v1 connection forgets silently (v1.0.0 sent nothing); the current generation hears DELD.
void Session::on_deleted(const QueueId& id, bool notifier) {
  if (closed_) return;
  std::size_t erased = notifier ? notifier_subscriptions_.erase(id) : subscriptions_.erase(id);
  if (erased == 0 || !current_) return;
  push_deleted(id);
}


}  // namespace smp::server
