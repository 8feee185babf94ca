// Session: one established client connection (spec §4.6) — a reader coroutine (read a block,
// parse, verify, run the command, queue the answer) and a writer coroutine (encode the next
// queued transmission into the transport's block buffer and send it), plus this connection's
// subscriptions and what other connections ask of it (MSG for a waiting subscription, END,
// DELD, NMSG), which they post to its executor.
//
// Both generations: an SMP v1 connection (no ALPN) runs the v1 commands, one transmission per
// block (session_commands.cpp); a connection of the current generation (ALPN smp/1, SMP
// 6..18) reads batches of up to 255 transmissions per block and runs every command of its
// version (session_current.cpp), and its writer packs as many queued answers into each block
// as fit. Both share the stores, the subscriber maps and the delivery rules.
//
// Backpressure: the reader reads the next block only while the send queue has room, so a
// client that does not read stops being read. Notifications from other connections take a
// free slot; when there is none they wait (bounded: one per subscription), and if the writer
// then makes no progress for config.send_timeout the connection is dropped.
//
// Executor-bound: everything but the post_* functions runs on the transport's executor (one
// server thread's io_context, or a strand); post_* may be called from any thread. Owned by
// shared_ptrs held by its own pending work; the subscriber maps and the session set hold
// weak references only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "smp/common/wake_signal.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/protocol/transmission.h"
#include "smp/server/message_store.h"
#include "smp/server/proxy_relay.h"
#include "smp/server/queue_record.h"
#include "smp/server/send_queue.h"
#include "smp/server/server_context.h"
#include "smp/transport/block_transport.h"

namespace smp::server {

namespace net = boost::asio;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // REQUIRES: `transport` has completed the SMP handshake; `ctx` outlives the session.
  static std::shared_ptr<Session> create(ServerContext& ctx,
                                         std::unique_ptr<transport::BlockTransport> transport);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers with ctx and starts the coroutines. Call once.
  void start();

  // From any thread. Each runs later on this session's executor and does nothing once it is
  // closed.
  // A message was stored in queue `rid`: deliver it if this connection's subscription waits.
  void post_message_arrived(const QueueId& rid);
  // Another connection took over the subscription to `id` (a recipient id, or a notifier id
  // when `notifier`): drop ours and send END.
  void post_end(const QueueId& id, bool notifier);
  // NMSG for notifier id `nid` of an SMP v1 notifier (no DH secret, nothing kept): dropped if
  // the send queue is full, as the reference does.
  void post_notification(const QueueId& nid);
  // Notifications for `nid` wait in the NotificationStore: send those that fit now.
  void post_notifications_ready(const QueueId& nid);
  // Queue `rid` (or notifier `nid`, when `notifier`) was deleted by another connection: drop
  // our subscription; the current generation is told with DELD (END below v10), an SMP v1
  // connection is not told (as v1.0.0).
  void post_deleted(const QueueId& id, bool notifier);
  // Stop: at once, or (drain) after the queued transmissions are written.
  void post_stop(bool drain);
  // Queue `rid` was blocked from the control port: if this connection is subscribed, it is
  // sent ERR BLOCKED (best effort: dropped when the send queue is full, as NMSG). SMP v1 has
  // no BLOCKED and is sent AUTH; the subscription stays, as in the reference.
  void post_blocked(const QueueId& rid, const BlockingInfo& info);

  // What the control port's `clients` shows; any thread.
  std::uint64_t client_id() const { return client_id_; }
  ByteView session_id() const { return transport_->session_id(); }
  std::int64_t connected_at() const { return connected_at_; }  // seconds since the epoch
  // When the last block was read and written (seconds since the epoch; 0 = none yet).
  std::int64_t received_at() const { return received_at_.load(std::memory_order_relaxed); }
  std::int64_t sent_at() const { return sent_at_.load(std::memory_order_relaxed); }

 private:
  struct Subscription {
    enum class State : std::uint8_t { idle, waiting, delivered };
    std::shared_ptr<MessageQueue> queue;
    State state = State::idle;
    bool deferred = false;  // an async MSG waits for room in the send queue
    // Made by GET (the reference's ProhibitSub): not registered as the queue's subscriber,
    // and SUB on this connection is refused while it exists (as GET is while SUB's exists).
    bool by_get = false;
    MsgId delivered_id{};
    DhSecret25519 recipient_dh;  // the queue's rcvDhSecret: messages are encrypted when sent
  };
  struct Deferred {
    enum class Kind : std::uint8_t { msg, end, notifier_end, deleted, notifier_deleted };
    Kind kind;
    QueueId id;
  };
  using Clock = std::chrono::steady_clock;

  Session(ServerContext& ctx, std::unique_ptr<transport::BlockTransport> transport);

  // Lifecycle and I/O (session.cpp).
  net::awaitable<void> reader();
  net::awaitable<void> writer();
  net::awaitable<void> idle_watchdog();
  void spawn(net::awaitable<void> coroutine, const char* name);
  void close();
  void release_subscriptions();
  void wake_writer();
  // A unit of work (a block's commands, work posted by another connection) between these
  // wakes the writer once at its end, inside the same handler.
  void begin_unit() { in_unit_ = true; }
  void end_unit();
  template <class Work>
  void post_unit(Work work);
  void after_pop();
  void arm_stall_timer();
  void wait_for_stall();
  void flush_deferred();
  bool queue_has_room_for_notification() const;

  // Asynchronous work from other connections (session.cpp).
  void on_message_arrived(const QueueId& rid);
  void on_end(const QueueId& id, bool notifier);
  void on_notification(const QueueId& nid);
  void on_notifications_ready(const QueueId& nid);
  void on_deleted(const QueueId& id, bool notifier);
  void on_blocked(const QueueId& rid, const BlockingInfo& info);
  bool try_push_async_msg(const QueueId& rid, Subscription& sub);
  // Queues MSG with `m` for `sub`'s queue; the body is encrypted when it is written.
  void push_msg(Outgoing& o, Message m, const Subscription& sub);
  void push_end(const QueueId& id);
  void push_deleted(const QueueId& id);
  // The writer's step for the current generation: as many queued transmissions as fit in
  // one block. False when there was nothing to send (every record failed to encode).
  bool fill_batch_block();

  // Commands (session_commands.cpp: SMP v1).
  void handle_block(ByteView content);
  void dispatch(const protocol::ReceivedCommand& rc, const protocol::Command& cmd);
  void create_queue(const protocol::ReceivedCommand& rc, const protocol::cmd::New& c);
  void subscribe_queue(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void secure_queue(const protocol::ReceivedCommand& rc, const QueueId& rid,
                    const crypto::PublicKey& key);
  void add_notifier(const protocol::ReceivedCommand& rc, const QueueId& rid,
                    const crypto::PublicKey& key);
  void acknowledge(const protocol::ReceivedCommand& rc, const QueueId& rid);
  void suspend_queue(const protocol::ReceivedCommand& rc, const QueueId& rid);
  void delete_queue(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void send_message(const protocol::ReceivedCommand& rc, const QueueRecord& q, ByteView body);
  void subscribe_notifications(const protocol::ReceivedCommand& rc, const QueueId& nid);
  // Creates this connection's subscription to q if absent (END to a previous holder).
  Subscription& subscription_for(const QueueRecord& q);
  // The delivery rule (deliverMessage): unless the subscription already waits, the head
  // message to send now (marked delivered), or none and the subscription waits.
  std::optional<Message> take_delivery(Subscription& sub);
  // Answers rc with MSG (the command's corrId) or OK, by the delivery rule.
  void respond_delivery(const protocol::ReceivedCommand& rc, Subscription& sub);

  Outgoing& respond(const protocol::ReceivedCommand& rc);
  void respond_error(ByteView corr_id, ByteView queue_id, errc e);

  // Commands of the current generation (session_current.cpp).
  void handle_batch(ByteView content);
  void dispatch_current(const protocol::ReceivedCommand& rc, const protocol::Command& command);
  // The recipient's commands once verified; `q` is the queue as loaded for verification.
  void recipient_command(const protocol::ReceivedCommand& rc, const protocol::Command& command,
                         QueueRecord& q);
  void sender_command(const protocol::ReceivedCommand& rc, const protocol::Command& command,
                      QueueRecord& q);
  void link_command(const protocol::ReceivedCommand& rc, const protocol::Command& command,
                    QueueRecord& q);
  void create_queue_current(const protocol::ReceivedCommand& rc, const protocol::cmd::New& c);
  void subscribe_current(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void get_message(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void acknowledge_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                           ByteView msg_id);
  void add_notifier_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                            const protocol::cmd::NKey& c);
  void delete_notifier(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void delete_queue_current(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void send_message_current(const protocol::ReceivedCommand& rc, const QueueRecord& q,
                            const protocol::cmd::Send& c);
  void queue_info(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  void subscribe_notifications_current(const protocol::ReceivedCommand& rc, const QueueId& nid);
  // The link data answer (LNK) of LKEY and LGET.
  void respond_link(const protocol::ReceivedCommand& rc, const QueueRecord& q);
  // Records that the queue was used today (TIME), as the reference does before a command.
  void touch_queue(QueueRecord& q);
  // Tells the queue's (or notifier's) subscriber of its deletion (post_deleted), and drops
  // our own subscription.
  void announce_deleted(const QueueId& id, bool notifier);
  // NMSG to the notifier's subscriber, if any, for a message just stored in q.
  void notify(const QueueRecord& q, const MsgId& msg_id, std::int64_t timestamp);
  // Queues a message encoded at this connection's version (Outgoing::Kind::encoded).
  void respond_encoded(const protocol::ReceivedCommand& rc, const protocol::BrokerMessage& m);
  void respond_smp_error(const protocol::ReceivedCommand& rc, const protocol::SmpError& e);
  // SKEY / LKEY with a key the queue does not allow: a dummy check, then AUTH.
  void missing_key(const protocol::ReceivedCommand& rc);
  // RFWD: a proxy forwards a sender's command (SEND, SKEY, LKEY, LGET); it runs here and its
  // answer goes back encrypted for the sender, inside RRES (processForwardedCommand).
  void forwarded_command(const protocol::ReceivedCommand& rc, const protocol::cmd::RFwd& c);
  // Where the next answer goes: the send queue, or the forwarded command's answer.
  Outgoing& new_response();

  // The proxy role (session_proxy.cpp): PRXY and PFWD each run as their own coroutine on
  // this executor (the destination may be slow; the session's other commands go on), and
  // their answer is queued when it completes.
  void proxy_relay_key(const protocol::ReceivedCommand& rc, const protocol::cmd::Prxy& c);
  void proxy_forward(const protocol::ReceivedCommand& rc, const protocol::cmd::PFwd& c);
  // Queues an answer of a proxied command; it waits in proxy_replies_ while the send queue
  // has no room.
  net::awaitable<void> run_proxy_key(Bytes corr_id, Bytes entity_id, ProxyDestination destination);
  net::awaitable<void> run_proxy_forward(Bytes corr_id, Bytes entity_id, ForwardRequest request);
  void push_proxy_reply(const Bytes& corr_id, const Bytes& entity_id,
                        const protocol::BrokerMessage& m);
  void flush_proxy_replies();
  // The reader waits while this many proxied commands are in flight.
  bool proxy_busy() const { return proxy_in_flight_ >= ctx_.config.proxy_client_concurrency; }

  ServerContext& ctx_;
  const std::unique_ptr<transport::BlockTransport> transport_;
  const net::any_io_executor executor_;
  const std::size_t queue_limit_;
  const std::uint64_t client_id_;
  const std::int64_t connected_at_;
  std::atomic<std::int64_t> received_at_{0};
  std::atomic<std::int64_t> sent_at_{0};

  // Set once, from the transport's handshake: whether this is the current generation, and
  // its codec parameters.
  const bool current_;
  const protocol::TransmissionParams tparams_;
  const crypto::PrivateKey* const server_dh_key_;  // the handshake's, or null
  std::vector<protocol::ReceivedCommand> batch_;   // the block being handled (reused)
  // While a forwarded command runs: its answer, and the parameters it is encoded with (the
  // sender's version); otherwise null and tparams_.
  Outgoing* capture_ = nullptr;
  const protocol::TransmissionParams* answer_params_ = &tparams_;

  SendQueue queue_;
  WakeSignal writer_wake_;  // notified when the queue gains a record
  WakeSignal reader_wake_;  // notified when the queue gains room or a proxied command ends
  net::steady_timer stall_timer_;  // runs while notifications wait for room
  net::steady_timer idle_timer_;   // only with config.idle_timeout
  Clock::time_point last_read_ = Clock::now();
  Clock::time_point stall_deadline_{};
  bool in_unit_ = false;       // between begin_unit() and end_unit()
  bool writer_due_ = false;    // wake_writer() was called in the unit
  bool stall_armed_ = false;
  bool stopping_ = false;  // drain, then close
  bool closed_ = false;

  std::unordered_map<QueueId, Subscription, QueueIdHash> subscriptions_;
  std::unordered_set<QueueId, QueueIdHash> notifier_subscriptions_;
  // Notifications waiting for room in queue_ (a list: nothing allocated while empty).
  std::list<Deferred> deferred_;

  // Proxied commands (PRXY, PFWD) waiting for their destination, and their answers waiting
  // for room in queue_ (at most one per command: bounded by proxy_client_concurrency plus
  // one batch).
  struct ProxyReply {
    Bytes corr_id;
    Bytes entity_id;
    Bytes encoded;
  };
  std::size_t proxy_in_flight_ = 0;
  std::list<ProxyReply> proxy_replies_;
};

}  // namespace smp::server
