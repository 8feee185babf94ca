// Message ids, sent messages waiting for delivery and received messages waiting for ACK
// (spec §7.7, §7.8).
#include <string>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_internal.h"
#include "smp/common/overloaded.h"
#include "smp/common/try.h"
#include "smp/crypto/hash.h"
#include "smp/encoding/binary.h"

namespace smp::agent {

using detail::id_blob;

namespace {

// A message row (its snd_messages or rcv_messages row goes with it).
constexpr const char* kDeleteSndMessage =
    "DELETE FROM messages WHERE conn_id = ? AND internal_id = ? AND internal_snd_id IS NOT NULL";
constexpr const char* kDeleteRcvMessage =
    "DELETE FROM messages WHERE conn_id = ? AND internal_id = ? AND internal_rcv_id IS NOT NULL";

// Stored integrity (rcv_messages.integrity): a tag byte, then the ids it carries as i64.
//   'O' | 'I' i64 | 'N' i64 i64 | 'H' | 'D'
// Not the MSG text: the ids come from the peer and may be negative, which the text refuses.
Bytes encode_integrity(const MsgIntegrity& integrity) {
  enc::Writer w;
  std::visit(Overloaded{
                 [&](const MsgOk&) { w.ch('O'); },
                 [&](const MsgBadId& e) { w.ch('I').i64(e.id); },
                 [&](const MsgSkipped& e) { w.ch('N').i64(e.from).i64(e.to); },
                 [&](const MsgBadHash&) { w.ch('H'); },
                 [&](const MsgDuplicate&) { w.ch('D'); },
             },
             integrity);
  return w.bytes();
}

std::optional<MsgIntegrity> decode_integrity(ByteView in) {
  enc::Reader r(in);
  std::optional<MsgIntegrity> out;
  switch (r.ch()) {
    case 'O':
      out = MsgOk{};
      break;
    case 'I':
      out = MsgBadId{r.i64()};
      break;
    case 'N': {
      std::int64_t from = r.i64();
      out = MsgSkipped{from, r.i64()};
      break;
    }
    case 'H':
      out = MsgBadHash{};
      break;
    case 'D':
      out = MsgDuplicate{};
      break;
    default:
      return std::nullopt;
  }
  r.expect_end();
  if (!r.ok()) return std::nullopt;
  return out;
}

std::string msg_type_text(AgentMsgType type) { return std::string(1, agent_msg_type_char(type)); }

Result<SndMsgIds> read_snd_ids(sqlite::Database& db, std::string_view conn_id) {
  SMP_TRY(auto st, db.cached("SELECT last_internal_msg_id, last_internal_snd_msg_id,"
                             " last_snd_msg_hash FROM connections WHERE conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return db.fail(errc::not_found, "connection not found");
  return SndMsgIds{st->column_int64(0) + 1, st->column_int64(1) + 1, st->column_blob(2)};
}

Result<RcvMsgIds> read_rcv_ids(sqlite::Database& db, std::string_view conn_id) {
  SMP_TRY(auto st, db.cached("SELECT last_internal_msg_id, last_internal_rcv_msg_id,"
                             " last_external_snd_msg_id, last_rcv_msg_hash"
                             " FROM connections WHERE conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return db.fail(errc::not_found, "connection not found");
  return RcvMsgIds{st->column_int64(0) + 1, st->column_int64(1) + 1, st->column_int64(2),
                   st->column_blob(3)};
}

// Moves the send counters to `ids` (and the hash chain to `hash`, when given).
Result<void> take_snd_ids(sqlite::Database& db, std::string_view conn_id, const SndMsgIds& ids,
                          const Bytes* hash) {
  SMP_TRY(auto st, db.cached("UPDATE connections SET last_internal_msg_id = ?,"
                             " last_internal_snd_msg_id = ?,"
                             " last_snd_msg_hash = coalesce(?, last_snd_msg_hash)"
                             " WHERE conn_id = ?"));
  std::optional<ByteView> new_hash;
  if (hash != nullptr) new_hash = ByteView(*hash);
  st->bind_all(ids.internal_id, ids.internal_snd_id, new_hash, id_blob(conn_id));
  SMP_TRY_VOID(st->run());
  return detail::expect_changed(db, "connection");
}

Result<void> insert_message(sqlite::Database& db, std::string_view conn_id,
                            std::int64_t internal_id, enc::Timestamp ts,
                            std::optional<std::int64_t> rcv_id, std::optional<std::int64_t> snd_id,
                            AgentMsgType type, ByteView body) {
  SMP_TRY(auto st, db.cached("INSERT INTO messages (conn_id, internal_id, internal_ts,"
                             " internal_rcv_id, internal_snd_id, msg_type, msg_body)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st->bind_all(id_blob(conn_id), internal_id, detail::to_millis(ts), rcv_id, snd_id,
               msg_type_text(type), body);
  return st->run();
}

// Runs one of the DELETEs above; a row already gone is no error.
Result<void> delete_message_row(sqlite::Database& db, const char* sql, std::string_view conn_id,
                                std::int64_t internal_id) {
  SMP_TRY(auto st, db.cached(sql));
  st->bind_all(id_blob(conn_id), internal_id);
  return st->run();
}

// The same, and errc::not_found when there was no such row.
Result<void> delete_message(sqlite::Database& db, const char* sql, std::string_view conn_id,
                            std::int64_t internal_id) {
  SMP_TRY_VOID(delete_message_row(db, sql, conn_id, internal_id));
  return detail::expect_changed(db, "message");
}

}  // namespace

// Rows of (internal_id, msg_type, conn_id), less the deferred deletions.
Result<std::vector<PendingSndMessage>> AgentStore::read_pending(sqlite::Statement& st) {
  std::vector<PendingSndMessage> out;
  for (;;) {
    SMP_TRY(bool row, st.step());
    if (!row) break;
    const ByteView conn = st.column_view(2);
    const std::string_view conn_id(reinterpret_cast<const char*>(conn.data()), conn.size());
    if (deferred_deletion(conn_id, st.column_int64(0), true)) continue;
    SMP_TRY(AgentMsgType type, detail::column_msg_type(db_, st, 1));
    out.push_back(PendingSndMessage{st.column_int64(0), type});
  }
  return out;
}

Result<SndMsgIds> AgentStore::next_snd_ids(std::string_view conn_id) {
  return read_snd_ids(db_, conn_id);
}

Result<SndMsgIds> AgentStore::create_snd_message(std::string_view conn_id, AgentMsgType type,
                                                 enc::Timestamp internal_ts,
                                                 const SndMsgBuilder& build) {
  return write([&]() -> Result<SndMsgIds> {
    SMP_TRY(SndMsgIds ids, read_snd_ids(db_, conn_id));
    SMP_TRY(SndMsgContent content, build(ids));
    SMP_TRY_VOID(take_snd_ids(db_, conn_id, ids, &content.internal_hash));
    SMP_TRY_VOID(insert_message(db_, conn_id, ids.internal_id, internal_ts, std::nullopt,
                                ids.internal_snd_id, type, content.body));
    {
      SMP_TRY(auto st, db_.cached("INSERT INTO snd_messages (conn_id, internal_id,"
                                  " internal_snd_id, internal_hash, previous_msg_hash, body_keys)"
                                  " VALUES (?, ?, ?, ?, ?, ?)"));
      std::optional<ByteView> body_keys;
      if (!content.body_keys.empty()) body_keys = content.body_keys.view();
      st->bind_all(id_blob(conn_id), ids.internal_id, ids.internal_snd_id, content.internal_hash,
                   ids.prev_msg_hash, body_keys);
      SMP_TRY_VOID(st->run());
    }
    if (content.ratchet)
      SMP_TRY_VOID(update_ratchet(conn_id, *content.ratchet, SkippedKeysUnchanged{}));
    return ids;
  });
}

Result<SndMsgIds> AgentStore::skip_snd_ids(std::string_view conn_id) {
  return write([&]() -> Result<SndMsgIds> {
    SMP_TRY(SndMsgIds ids, read_snd_ids(db_, conn_id));
    SMP_TRY_VOID(take_snd_ids(db_, conn_id, ids, nullptr));
    return ids;
  });
}

Result<std::vector<PendingSndMessage>> AgentStore::pending_snd_messages(std::string_view conn_id) {
  SMP_TRY(auto st, db_.cached("SELECT s.internal_id, m.msg_type, s.conn_id FROM snd_messages s"
                              " JOIN messages m ON m.conn_id = s.conn_id"
                              " AND m.internal_id = s.internal_id"
                              " WHERE s.conn_id = ? ORDER BY s.internal_id"));
  st->bind_all(id_blob(conn_id));
  return read_pending(*st);
}

Result<std::vector<PendingSndMessage>> AgentStore::pending_snd_messages(
    const protocol::SmpServer& server, ByteView snd_id) {
  SMP_TRY(auto st, db_.cached("SELECT s.internal_id, m.msg_type, s.conn_id FROM snd_queues q"
                              " JOIN snd_messages s ON s.conn_id = q.conn_id"
                              " JOIN messages m ON m.conn_id = s.conn_id"
                              " AND m.internal_id = s.internal_id"
                              " WHERE q.host = ? AND q.port = ? AND q.snd_id = ?"
                              " ORDER BY s.internal_id"));
  st->bind_all(server.host, server.port, snd_id);
  return read_pending(*st);
}

Result<std::optional<PendingSndMessage>> AgentStore::next_pending_snd_message(
    const protocol::SmpServer& server, ByteView snd_id) {
  // The oldest pending id first (snd_messages rows are small), then that one message's type:
  // a worker asks once per message, so this must not scan every pending body.
  SMP_TRY(auto st, db_.cached("SELECT s.internal_id, m.msg_type, s.conn_id FROM snd_queues q"
                              " JOIN snd_messages s ON s.conn_id = q.conn_id"
                              " JOIN messages m ON m.conn_id = s.conn_id"
                              " AND m.internal_id = s.internal_id"
                              " WHERE q.host = ? AND q.port = ? AND q.snd_id = ?"
                              " ORDER BY s.internal_id LIMIT ?"));
  // Deferred deletions are still rows: past them to the first one that is not.
  st->bind_all(server.host, server.port, snd_id, static_cast<std::int64_t>(deferred_.size()) + 1);
  SMP_TRY(auto pending, read_pending(*st));
  if (pending.empty()) return std::optional<PendingSndMessage>();
  return std::optional<PendingSndMessage>(pending.front());
}

Result<std::vector<ConnId>> AgentStore::connections_with_pending_messages() {
  SMP_TRY(auto st, db_.cached("SELECT DISTINCT conn_id FROM snd_messages ORDER BY conn_id"));
  std::vector<ConnId> out;
  for (;;) {
    SMP_TRY(bool row, st->step());
    if (!row) break;
    out.push_back(to_string(st->column_view(0)));
  }
  return out;
}

Result<SndMessage> AgentStore::get_snd_message(std::string_view conn_id, std::int64_t internal_id) {
  if (deferred_deletion(conn_id, internal_id, true))
    return db_.fail(errc::not_found, "message not found");
  SMP_TRY(auto st, db_.cached("SELECT s.internal_snd_id, m.internal_ts, m.msg_type, m.msg_body,"
                              " s.internal_hash, s.previous_msg_hash, s.body_keys"
                              " FROM snd_messages s"
                              " JOIN messages m ON m.conn_id = s.conn_id"
                              " AND m.internal_id = s.internal_id"
                              " WHERE s.conn_id = ? AND s.internal_id = ?"));
  st->bind_all(id_blob(conn_id), internal_id);
  SMP_TRY(bool row, st->step());
  if (!row) return db_.fail(errc::not_found, "message not found");
  SMP_TRY(AgentMsgType type, detail::column_msg_type(db_, *st, 2));
  return SndMessage{internal_id,
                    st->column_int64(0),
                    detail::from_millis(st->column_int64(1)),
                    type,
                    st->column_blob(3),
                    st->column_blob(4),
                    st->column_blob(5),
                    st->column_secret(6)};
}

Result<void> AgentStore::delete_snd_message(std::string_view conn_id, std::int64_t internal_id) {
  return write([&] { return delete_message(db_, kDeleteSndMessage, conn_id, internal_id); });
}

Result<RcvMsgIds> AgentStore::next_rcv_ids(std::string_view conn_id) {
  return read_rcv_ids(db_, conn_id);
}

Result<RcvMsgResult> AgentStore::create_rcv_message(std::string_view conn_id,
                                                    const NewRcvMessage& m) {
  const crypto::Sha256Digest hash = crypto::sha256(m.body);
  const ByteView internal_hash(hash.data(), hash.size());
  return write([&]() -> Result<RcvMsgResult> {
    SMP_TRY(RcvMsgIds ids, read_rcv_ids(db_, conn_id));
    MsgIntegrity integrity = check_msg_integrity(
        ids.last_external_snd_msg_id, ids.last_rcv_msg_hash, m.snd_msg_id, m.prev_msg_hash);
    {
      SMP_TRY(auto st, db_.cached("UPDATE connections SET last_internal_msg_id = ?,"
                                  " last_internal_rcv_msg_id = ?, last_external_snd_msg_id = ?,"
                                  " last_rcv_msg_hash = ? WHERE conn_id = ?"));
      st->bind_all(ids.internal_id, ids.internal_rcv_id, m.snd_msg_id, internal_hash,
                   id_blob(conn_id));
      SMP_TRY_VOID(st->run());
    }
    SMP_TRY_VOID(insert_message(db_, conn_id, ids.internal_id, m.internal_ts, ids.internal_rcv_id,
                                std::nullopt, m.type, m.body));
    SMP_TRY(auto st, db_.cached("INSERT INTO rcv_messages (conn_id, internal_id, internal_rcv_id,"
                                " external_snd_id, broker_id, broker_ts, internal_hash,"
                                " external_prev_snd_hash, integrity)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st->bind_all(id_blob(conn_id), ids.internal_id, ids.internal_rcv_id, m.snd_msg_id, m.broker_id,
                 detail::to_millis(m.broker_ts), internal_hash, m.prev_msg_hash,
                 encode_integrity(integrity));
    SMP_TRY_VOID(st->run());
    return RcvMsgResult{ids.internal_id, ids.internal_rcv_id, integrity};
  });
}

Result<std::optional<std::int64_t>> AgentStore::find_rcv_message_by_broker_id(
    std::string_view conn_id, ByteView broker_id) {
  SMP_TRY(auto st, db_.cached("SELECT internal_id FROM rcv_messages"
                              " WHERE conn_id = ? AND broker_id = ?"
                              " ORDER BY internal_id DESC LIMIT 1"));
  st->bind_all(id_blob(conn_id), broker_id);
  SMP_TRY(bool row, st->step());
  if (!row || deferred_deletion(conn_id, st->column_int64(0), false))
    return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(st->column_int64(0));
}

Result<RcvMessage> AgentStore::get_rcv_message(std::string_view conn_id, std::int64_t internal_id) {
  if (deferred_deletion(conn_id, internal_id, false))
    return db_.fail(errc::not_found, "message not found");
  SMP_TRY(auto st, db_.cached("SELECT r.internal_rcv_id, m.internal_ts, m.msg_type, m.msg_body,"
                              " r.external_snd_id, r.broker_id, r.broker_ts, r.internal_hash,"
                              " r.external_prev_snd_hash, r.integrity FROM rcv_messages r"
                              " JOIN messages m ON m.conn_id = r.conn_id"
                              " AND m.internal_id = r.internal_id"
                              " WHERE r.conn_id = ? AND r.internal_id = ?"));
  st->bind_all(id_blob(conn_id), internal_id);
  SMP_TRY(bool row, st->step());
  if (!row) return db_.fail(errc::not_found, "message not found");
  SMP_TRY(AgentMsgType type, detail::column_msg_type(db_, *st, 2));
  auto integrity = decode_integrity(st->column_view(9));
  if (!integrity) return detail::corrupt(db_, "message integrity");
  return RcvMessage{internal_id,
                    st->column_int64(0),
                    detail::from_millis(st->column_int64(1)),
                    type,
                    st->column_blob(3),
                    st->column_int64(4),
                    st->column_blob(5),
                    detail::from_millis(st->column_int64(6)),
                    st->column_blob(7),
                    st->column_blob(8),
                    *integrity};
}

Result<void> AgentStore::delete_rcv_message(std::string_view conn_id, std::int64_t internal_id) {
  return write([&] { return delete_message(db_, kDeleteRcvMessage, conn_id, internal_id); });
}

void AgentStore::defer_delete_snd_message(std::string_view conn_id, std::int64_t internal_id) {
  deferred_.push_back(DeferredDeletion{std::string(conn_id), internal_id, true});
  ++deferrals_;
}

void AgentStore::defer_delete_rcv_message(std::string_view conn_id, std::int64_t internal_id) {
  deferred_.push_back(DeferredDeletion{std::string(conn_id), internal_id, false});
  ++deferrals_;
}

bool AgentStore::deferred_deletion(std::string_view conn_id, std::int64_t internal_id,
                                   bool sent) const {
  for (const auto& d : deferred_) {
    if (d.internal_id == internal_id && d.sent == sent && d.conn_id == conn_id) return true;
  }
  return false;
}

Result<void> AgentStore::apply_deferred(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const DeferredDeletion& d = deferred_[i];
    // The connection may have been deleted meanwhile.
    SMP_TRY_VOID(delete_message_row(db_, d.sent ? kDeleteSndMessage : kDeleteRcvMessage,
                                    d.conn_id, d.internal_id));
  }
  return {};
}

Result<void> AgentStore::flush_deferred_deletions() {
  if (deferred_.empty()) return {};
  auto r = write_uncounted([] { return Result<void>{}; });
  if (r && !db_.in_transaction()) ++deletion_flushes_;
  return r;
}

void AgentStore::flush_before_closing() noexcept {
  if (!deferred_.empty() && db_.is_open()) (void)flush_deferred_deletions();
}

AgentStore& AgentStore::operator=(AgentStore&& other) noexcept {
  if (this != &other) {
    flush_before_closing();
    db_ = std::move(other.db_);
    cache_ = std::move(other.cache_);
    deferred_ = std::move(other.deferred_);
  }
  return *this;
}

AgentStore::~AgentStore() { flush_before_closing(); }

}  // namespace smp::agent
