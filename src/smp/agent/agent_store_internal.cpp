#include "smp/agent/agent_store_internal.h"

#include <string>

#include "smp/agent/ratchet_codec.h"
#include "smp/crypto/hash.h"
#include "smp/encoding/base64.h"

namespace smp::agent {

std::string generate_store_id() {
  // 12 bytes are 16 base64 characters, so there is never padding to strip.
  return enc::b64url_encode(crypto::random_bytes(12));
}

}  // namespace smp::agent

namespace smp::agent::detail {

std::string_view conn_mode_text(ConnectionMode mode) {
  return mode == ConnectionMode::contact ? "CON" : "INV";
}

Result<void> expect_changed(sqlite::Database& db, std::string_view what) {
  if (db.changes() == 0) return db.fail(errc::not_found, std::string(what) + " not found");
  return {};
}

error_code corrupt(sqlite::Database& db, std::string_view what) {
  return db.fail(errc::store_corrupt, "stored " + std::string(what) + " does not decode");
}

Result<ConnectionMode> column_conn_mode(sqlite::Database& db, const sqlite::Statement& st,
                                        int col) {
  std::string text = st.column_text(col);
  if (text == "INV") return ConnectionMode::invitation;
  if (text == "CON") return ConnectionMode::contact;
  return corrupt(db, "connection mode");
}

Result<QueueStatus> column_queue_status(sqlite::Database& db, const sqlite::Statement& st,
                                        int col) {
  auto s = parse_queue_status(st.column_text(col));
  if (!s) return corrupt(db, "queue status");
  return *s;
}

Result<AgentMsgType> column_msg_type(sqlite::Database& db, const sqlite::Statement& st, int col) {
  std::string text = st.column_text(col);
  auto t = text.size() == 1 ? parse_agent_msg_type(text[0]) : std::nullopt;
  if (!t) return corrupt(db, "message type");
  return *t;
}

Result<crypto::PrivateKey> column_private_key(sqlite::Database& db, const sqlite::Statement& st,
                                              int col, crypto::AlgorithmSet allowed) {
  auto key = crypto::decode_private_key_der(st.column_view(col), allowed);
  if (!key) return corrupt(db, "private key");
  return std::move(*key);
}

Result<crypto::PublicKey> column_public_key(sqlite::Database& db, const sqlite::Statement& st,
                                            int col, crypto::AlgorithmSet allowed) {
  auto key = crypto::decode_public_key_der(st.column_view(col), allowed);
  if (!key) return corrupt(db, "public key");
  return *key;
}

Result<Ratchet> column_ratchet(sqlite::Database& db, const sqlite::Statement& st, int col) {
  auto rc = decode_ratchet(st.column_view(col));
  if (!rc) return corrupt(db, "ratchet state");
  return std::move(*rc);
}

Result<ConnectionMode> connection_mode(sqlite::Database& db, std::string_view conn_id) {
  auto st = db.cached("SELECT conn_mode FROM connections WHERE conn_id = ?");
  if (!st) return st.error();
  (*st)->bind_all(id_blob(conn_id));
  auto row = (*st)->step();
  if (!row) return row.error();
  if (!*row) return db.fail(errc::not_found, "connection not found");
  return column_conn_mode(db, **st, 0);
}

}  // namespace smp::agent::detail
