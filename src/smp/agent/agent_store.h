// The agent's persistent store (spec §7.6–§7.12) on one SQLite connection: connections and
// their queues, confirmations, contact invitations, ratchets with their skipped keys, and the
// messages being sent or waiting for ACK with the integrity counters of §7.8. Each call that
// changes state is one IMMEDIATE transaction; atomically() groups calls into one.
// Not thread-safe, and designed for ONE writer: the agent serializes every write through one
// AgentStore on one strand. Other threads open their own AgentStore (read_only suffices);
// with WAL their reads run beside the writer, waiting at most busy_timeout.
// The writer keeps decoded connections and ratchet states in memory (StoreOptions::
// cache_capacity), updated by its own writes; read-only stores never cache, since they would
// not see the writer's changes.
// Durability: a commit is not synced to disk (WAL, synchronous = NORMAL; see open()). It
// survives a crash of the process at once, and a power loss once the WAL has been synced, which
// SharedAgentStore does for the agent before anything that depends on the commit is reported
// or sent. commits() and deletion_flushes() count the commits, so that it knows what a sync
// covers.
// Errors: errc::not_found, already_exists (duplicate id), wrong_state (wrong connection type
// or state), store_corrupt (a stored value does not decode), io_error; last_error() explains.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smp/agent/agent_store_cache.h"
#include "smp/agent/agent_store_types.h"
#include "smp/agent/ratchet_skipped.h"
#include "smp/agent/ratchet_state.h"
#include "smp/agent/sqlite.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

struct StoreOptions {
  // Create the database file (mode 0600) when missing.
  bool create = true;
  // Open for reading only; fails with errc::wrong_state when the file needs migrations.
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
  // Connections whose decoded queues and ratchet state stay in memory (each a few KB), so
  // that a message does not load private keys again; 0 turns this off.
  std::size_t cache_capacity = 1024;
  // A registered SQLite VFS to open the file with (sqlite::OpenOptions::vfs); empty for the
  // default. Tests use one that models power loss.
  std::string vfs;
};

// The X3DH private keys an inviting party keeps until the confirmation arrives. Move-only.
struct X3dhKeys {
  crypto::PrivateKey key1;
  crypto::PrivateKey key2;
};

// Builds the message to send once its ids are known (create_snd_message).
using SndMsgBuilder = std::function<Result<SndMsgContent>(const SndMsgIds&)>;

// A base64url id of 12 random bytes (16 characters), as generated connection, confirmation and
// invitation ids are.
std::string generate_store_id();

// Move-only.
class AgentStore {
 public:
  // Opens or creates the database and applies pending migrations (refusing one written by a
  // newer version with errc::store_too_new).
  static Result<AgentStore> open(const std::filesystem::path& path,
                                 const StoreOptions& options = {});

  AgentStore(AgentStore&&) noexcept = default;
  // Both write the deferred deletions (below) still waiting in the store they end, ignoring
  // failures.
  AgentStore& operator=(AgentStore&& other) noexcept;
  ~AgentStore();
  AgentStore(const AgentStore&) = delete;
  AgentStore& operator=(const AgentStore&) = delete;

  // Runs f(*this) -> Result<T> in one write transaction: committed when it returns a value,
  // rolled back when it returns an error or throws.
  template <class F>
  auto atomically(F&& f) -> decltype(f(std::declval<AgentStore&>())) {
    return write([&] { return f(*this); });
  }

  // ---- Connections ----
  // An empty conn_id asks for a generated one; a given one is stored verbatim. Each returns
  // the id; errc::already_exists when a given id is taken.

  // A connection with no queues (NewConnection).
  Result<ConnId> create_connection(std::string_view conn_id, ConnectionMode mode);
  // NEW (spec §7.6 step 1): an RcvConnection, or a ContactConnection for mode contact.
  Result<ConnId> create_rcv_connection(std::string_view conn_id, ConnectionMode mode,
                                       const RcvQueue& queue);
  // JOIN (step 2): an SndConnection (mode invitation) with its initial ratchet, when given.
  Result<ConnId> create_snd_connection(std::string_view conn_id, const SndQueue& queue,
                                       const Ratchet* ratchet);
  // A NewConnection gets its first queue (becoming Rcv / Contact / Snd), or a Snd / Rcv
  // connection its second (becoming Duplex). errc::wrong_state for any other type (a contact
  // connection never sends; a duplex one has both).
  Result<void> add_rcv_queue(std::string_view conn_id, const RcvQueue& queue);
  Result<void> add_snd_queue(std::string_view conn_id, const SndQueue& queue);
  // As the reference: only an RcvConnection (step 7) / SndConnection (step 5) may be upgraded;
  // errc::wrong_state otherwise.
  Result<void> upgrade_rcv_to_duplex(std::string_view conn_id, const SndQueue& queue);
  Result<void> upgrade_snd_to_duplex(std::string_view conn_id, const RcvQueue& queue);

  Result<Connection> get_connection(std::string_view conn_id);
  // The connection a server's message is for: by (host, port) of `server` and the recipient id.
  Result<Connection> get_rcv_connection(const protocol::SmpServer& server, ByteView rcv_id);
  // Every connection with its queues, ordered by id (for resubscription after a restart).
  Result<std::vector<Connection>> list_connections();
  // Deletes the connection and everything it owns (queues, messages, ratchet, skipped keys,
  // confirmations, invitations).
  Result<void> delete_connection(std::string_view conn_id);

  // ---- Queues, by (host, port) of `server` and queue id; errc::not_found when absent ----
  Result<void> set_rcv_queue_status(const protocol::SmpServer& server, ByteView rcv_id,
                                    QueueStatus status);
  // LET (step 4): the E2E secret with the sender, and status confirmed.
  Result<void> set_rcv_queue_confirmed_e2e(const protocol::SmpServer& server, ByteView rcv_id,
                                           const SecretBytes& e2e_dh_secret);
  Result<void> set_snd_queue_status(const protocol::SmpServer& server, ByteView snd_id,
                                    QueueStatus status);

  // ---- Confirmations (steps 3, 4, 7) ----
  // A new, not yet accepted confirmation with a generated id; errc::not_found without the
  // connection. One with the same keys that is stored and not accepted yet is the same
  // confirmation delivered again: its id is returned and nothing is written.
  Result<ConfirmationId> create_confirmation(const NewConfirmation& confirmation);
  // Marks it accepted with our connection info and returns it; errc::not_found when absent.
  Result<AcceptedConfirmation> accept_confirmation(std::string_view confirmation_id,
                                                   ByteView own_conn_info);
  // The connection's accepted confirmation; errc::not_found when none.
  Result<AcceptedConfirmation> get_accepted_confirmation(std::string_view conn_id);
  // Deletes all the connection's confirmations (none is not an error).
  Result<void> remove_confirmations(std::string_view conn_id);

  // ---- Contact invitations ----
  // errc::not_found without the connection, errc::wrong_state unless it is in contact mode.
  Result<InvitationId> create_invitation(const NewInvitation& invitation);
  // Accepted or not (ACPT must check `accepted`); errc::not_found when absent.
  Result<Invitation> get_invitation(std::string_view invitation_id);
  // errc::not_found when absent, errc::wrong_state when already accepted.
  Result<void> accept_invitation(std::string_view invitation_id, ByteView own_conn_info);
  // RJCT: errc::not_found unless contact_conn_id is a contact connection; an absent
  // invitation is not an error (as the reference).
  Result<void> delete_invitation(std::string_view contact_conn_id, std::string_view invitation_id);

  // ---- Double ratchet ----
  // The inviting party's X3DH private keys; errc::already_exists when the connection already
  // has ratchet keys or state, errc::not_found without the connection.
  Result<void> create_ratchet_x3dh_keys(std::string_view conn_id, const crypto::PrivateKey& key1,
                                        const crypto::PrivateKey& key2);
  // errc::not_found when absent or already replaced by a ratchet.
  Result<X3dhKeys> get_ratchet_x3dh_keys(std::string_view conn_id);
  // Creates or replaces the ratchet state and forgets the X3DH keys (the reference's
  // createRatchet). errc::not_found without the connection.
  Result<void> set_ratchet(std::string_view conn_id, const Ratchet& ratchet);
  // errc::not_found when the connection has no ratchet state.
  Result<Ratchet> get_ratchet(std::string_view conn_id);
  // Empty when there are none.
  Result<SkippedMsgKeys> get_skipped_keys(std::string_view conn_id);
  // Stores what a decryption changed in the skipped keys (as smp::agent::apply_skipped_diff
  // does in memory). errc::not_found when keys are added to a connection without a ratchet.
  Result<void> apply_skipped_diff(std::string_view conn_id, const SkippedMsgDiff& diff);
  // Both of the above after a decryption, in one transaction; errc::not_found when the
  // connection has no ratchet row.
  Result<void> update_ratchet(std::string_view conn_id, const Ratchet& ratchet,
                              const SkippedMsgDiff& diff);

  // ---- Sent messages (spec §7.7) ----
  // The ids the next sent message would get; nothing changes.
  Result<SndMsgIds> next_snd_ids(std::string_view conn_id);
  // Allocates the ids, calls build(ids) for the message (the agent encodes the AgentMessage
  // with them and ratchet-encrypts it), then stores it as pending with the new
  // last_snd_msg_hash and, when content.ratchet is set, the advanced ratchet — all in one
  // transaction. An error from build rolls everything back, so no id is used up.
  Result<SndMsgIds> create_snd_message(std::string_view conn_id, AgentMsgType type,
                                       enc::Timestamp internal_ts, const SndMsgBuilder& build);
  // Uses up the next ids without a message (the reference does on ERR CMD LARGE).
  Result<SndMsgIds> skip_snd_ids(std::string_view conn_id);
  // Messages waiting for delivery, oldest first: of a connection, or of the connection that
  // sends to queue (server, snd_id).
  Result<std::vector<PendingSndMessage>> pending_snd_messages(std::string_view conn_id);
  Result<std::vector<PendingSndMessage>> pending_snd_messages(const protocol::SmpServer& server,
                                                              ByteView snd_id);
  // The oldest message waiting for the queue, or nullopt (what a delivery worker sends next).
  Result<std::optional<PendingSndMessage>> next_pending_snd_message(
      const protocol::SmpServer& server, ByteView snd_id);
  // Connections with at least one message waiting, ordered by id.
  Result<std::vector<ConnId>> connections_with_pending_messages();
  // errc::not_found when there is no such pending message.
  Result<SndMessage> get_snd_message(std::string_view conn_id, std::int64_t internal_id);
  // Delivered or dropped. errc::not_found when there is no such pending message.
  Result<void> delete_snd_message(std::string_view conn_id, std::int64_t internal_id);

  // ---- Received messages (spec §7.8) ----
  // The ids the next received message would get and the last sender's id and hash.
  Result<RcvMsgIds> next_rcv_ids(std::string_view conn_id);
  // Allocates the ids, checks integrity against the stored counters (check_msg_integrity),
  // stores the message, and sets last_external_snd_msg_id = snd_msg_id and
  // last_rcv_msg_hash = SHA-256(body), in one transaction. Save the ratchet the decryption
  // advanced in the same atomically() block.
  Result<RcvMsgResult> create_rcv_message(std::string_view conn_id, const NewRcvMessage& message);
  // errc::not_found when there is no such received message.
  Result<RcvMessage> get_rcv_message(std::string_view conn_id, std::int64_t internal_id);
  Result<void> delete_rcv_message(std::string_view conn_id, std::int64_t internal_id);
  // The internal id of the connection's received message (still stored, i.e. not yet ACKed)
  // with this server message id; nullopt when there is none. Detects a server redelivering a
  // message the agent stored before it could ACK it.
  Result<std::optional<std::int64_t>> find_rcv_message_by_broker_id(std::string_view conn_id,
                                                                    ByteView broker_id);

  // ---- Deferred deletions ----
  // A message the server has finished with (a sent one it accepted, a received one the client
  // ACKed) is deleted by the next write transaction, whatever it is, rather than by one of its
  // own: on a busy connection that saves a transaction per message on each side. Until then
  // every read of this store answers as if it were gone; other connections to the file still
  // see it. Should the process die first, the row outlives it: a sent message is sent again
  // (the same ratchet message, which the peer drops), a received one stays unreferenced.
  void defer_delete_snd_message(std::string_view conn_id, std::int64_t internal_id);
  void defer_delete_rcv_message(std::string_view conn_id, std::int64_t internal_id);
  bool has_deferred_deletions() const { return !deferred_.empty(); }
  // Writes the waiting deletions now, in one transaction (none when nothing waits).
  Result<void> flush_deferred_deletions();

  // ---- What has been committed ----
  // Write transactions committed so far by this AgentStore, apart from those that only wrote
  // deferred deletions (flush_deferred_deletions), which deletion_flushes() counts. Nested
  // ones (atomically) count once; rolled back ones not at all; database() counts as one.
  std::uint64_t commits() const { return commits_; }
  std::uint64_t deletion_flushes() const { return deletion_flushes_; }
  // Grows with every commit of any kind and every deferred deletion. A sync that writes the
  // deferred deletions and then syncs covers everything done up to the mark read between the
  // two: whatever was reported after a smaller or equal mark.
  std::uint64_t write_mark() const { return commits_ + deletion_flushes_ + deferrals_; }

  // ---- Diagnostics ----
  const std::string& last_error() const { return db_.last_error(); }
  // The connection itself. What is written through it bypasses the store, so the store
  // forgets what it cached.
  sqlite::Database& database() {
    (void)flush_deferred_deletions();
    cache_.clear();
    ++commits_;  // whatever is done through it may be a write
    return db_;
  }

 private:
  AgentStore(sqlite::Database db, std::size_t cache_capacity)
      : db_(std::move(db)), cache_(cache_capacity) {}

  // f() (a transaction); when it fails or throws, what was rolled back may be cached: all
  // is forgotten.
  template <class F>
  auto rolling_back(F&& f) -> decltype(f()) {
    try {
      auto r = f();
      if (!r) cache_.clear();
      return r;
    } catch (...) {
      cache_.clear();
      throw;
    }
  }
  // One IMMEDIATE transaction running f(); the outermost one also runs the deferred deletions
  // first, and forgets them once it has committed.
  template <class F>
  auto write(F&& f) -> decltype(f()) {
    const bool outermost = !db_.in_transaction();
    auto r = write_uncounted(std::forward<F>(f));
    if (r && outermost) ++commits_;
    return r;
  }
  // write() without counting the commit.
  template <class F>
  auto write_uncounted(F&& f) -> decltype(f()) {
    const std::size_t deferred = db_.in_transaction() ? 0 : deferred_.size();
    auto r = rolling_back([&] {
      return sqlite::in_transaction(db_, sqlite::TransactionMode::immediate,
                                    [&]() -> decltype(f()) {
                                      if (deferred > 0) {
                                        if (auto d = apply_deferred(deferred); !d) return d.error();
                                      }
                                      return f();
                                    });
    });
    if (r && deferred > 0)
      deferred_.erase(deferred_.begin(), deferred_.begin() + static_cast<std::ptrdiff_t>(deferred));
    return r;
  }
  struct DeferredDeletion {
    std::string conn_id;
    std::int64_t internal_id;
    bool sent;  // a sent message; otherwise a received one
  };
  // Deletes the first n deferred messages (those already gone are skipped).
  Result<void> apply_deferred(std::size_t n);
  // What the destructor and the move assignment do with the store they end: write the
  // deferred deletions still waiting, ignoring failures.
  void flush_before_closing() noexcept;
  bool deferred_deletion(std::string_view conn_id, std::int64_t internal_id, bool sent) const;
  Result<std::vector<PendingSndMessage>> read_pending(sqlite::Statement& st);
  // The connection, from the cache or loaded (and cached).
  Result<Connection> cached_connection(std::string_view conn_id);
  template <class F>
  auto read(F&& f) -> decltype(f()) {
    return sqlite::in_transaction(db_, sqlite::TransactionMode::deferred, std::forward<F>(f));
  }

  sqlite::Database db_;
  detail::StoreCache cache_;
  std::vector<DeferredDeletion> deferred_;  // oldest first; short (flushed by any write)
  std::uint64_t commits_ = 0;
  std::uint64_t deletion_flushes_ = 0;
  std::uint64_t deferrals_ = 0;  // defer_delete_* calls
};

}  // namespace smp::agent
