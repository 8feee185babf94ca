// Helpers shared by the agent store's source files: id and time conversions, reading keys and
// ratchet states from columns (a value that does not decode is errc::store_corrupt), and
// inserting under a given or generated id. Not thread-safe (they work on one Database).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_types.h"
#include "smp/agent/connection_request.h"
#include "smp/agent/ratchet_state.h"
#include "smp/agent/sqlite.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/iso8601.h"

namespace smp::agent::detail {

// Ids (connection, confirmation, invitation) are stored as blobs of their bytes.
inline ByteView id_blob(std::string_view id) { return as_bytes(id); }

inline std::int64_t to_millis(enc::Timestamp t) { return t.time_since_epoch().count(); }
inline enc::Timestamp from_millis(std::int64_t ms) {
  return enc::Timestamp(std::chrono::milliseconds(ms));
}

std::string_view conn_mode_text(ConnectionMode mode);  // "INV" / "CON"

// errc::not_found (with `what` in last_error) unless the last statement changed a row.
Result<void> expect_changed(sqlite::Database& db, std::string_view what);
// Records that a stored `what` does not decode and returns errc::store_corrupt.
error_code corrupt(sqlite::Database& db, std::string_view what);

Result<ConnectionMode> column_conn_mode(sqlite::Database& db, const sqlite::Statement& st, int col);
Result<QueueStatus> column_queue_status(sqlite::Database& db, const sqlite::Statement& st, int col);
Result<AgentMsgType> column_msg_type(sqlite::Database& db, const sqlite::Statement& st, int col);
Result<crypto::PrivateKey> column_private_key(sqlite::Database& db, const sqlite::Statement& st,
                                              int col, crypto::AlgorithmSet allowed);
Result<crypto::PublicKey> column_public_key(sqlite::Database& db, const sqlite::Statement& st,
                                            int col, crypto::AlgorithmSet allowed);
Result<Ratchet> column_ratchet(sqlite::Database& db, const sqlite::Statement& st, int col);

// The mode of a connection; errc::not_found when there is none.
Result<ConnectionMode> connection_mode(sqlite::Database& db, std::string_view conn_id);

// Runs insert(id) with `requested`, or with generated ids when it is empty (a collision of
// random ids is retried a few times). Returns the id used.
template <class F>
Result<std::string> insert_with_id(std::string_view requested, F&& insert) {
  if (!requested.empty()) {
    auto r = insert(requested);
    if (!r) return r.error();
    return std::string(requested);
  }
  error_code last = make_error_code(errc::already_exists);
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string id = generate_store_id();
    auto r = insert(std::string_view(id));
    if (r) return id;
    last = r.error();
    if (last != make_error_code(errc::already_exists)) break;
  }
  return last;
}

}  // namespace smp::agent::detail
