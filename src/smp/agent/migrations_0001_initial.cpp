#include "smp/agent/migrations_internal.h"

namespace smp::agent::detail {

// Our variant of the reference's 20220101_initial (spec §7.12). Differences, all local to
// this store:
//  * keys are DER (PKCS#8 private, SPKI public), DH secrets raw bytes, ratchet states in the
//    ratchet_codec format, skipped message keys as short(MK) ‖ short(IV);
//  * timestamps are integer milliseconds since the Unix epoch;
//  * every child table is indexed by its parent's key, so lookups by connection and
//    cascading deletes do not scan (the reference scans rcv_queues / snd_queues by conn_id);
//  * a connection has at most one queue of each direction (unique conn_id);
//  * rcv_messages and snd_messages are keyed like messages (conn_id, internal_id), which the
//    agent uses to address them (ACK, delivery);
//  * snd_messages is the pending-delivery index: one row per message not yet delivered or
//    dropped, so a delivery worker reads its connection's backlog in order with one range
//    scan and the agent finds every connection with pending messages without touching bodies;
//  * snd_queues keeps our per-queue E2E public key, so a confirmation can be sent again.
std::string_view migration_0001_initial() {
  return R"sql(
CREATE TABLE servers (
  host TEXT NOT NULL,
  port TEXT NOT NULL,
  key_hash BLOB NOT NULL,
  PRIMARY KEY (host, port)
) WITHOUT ROWID;

CREATE TABLE connections (
  conn_id BLOB NOT NULL PRIMARY KEY,
  conn_mode TEXT NOT NULL CHECK (conn_mode IN ('INV', 'CON')),
  last_internal_msg_id INTEGER NOT NULL DEFAULT 0,
  last_internal_rcv_msg_id INTEGER NOT NULL DEFAULT 0,
  last_internal_snd_msg_id INTEGER NOT NULL DEFAULT 0,
  last_external_snd_msg_id INTEGER NOT NULL DEFAULT 0,
  last_rcv_msg_hash BLOB NOT NULL DEFAULT x'',
  last_snd_msg_hash BLOB NOT NULL DEFAULT x''
) WITHOUT ROWID;

CREATE TABLE rcv_queues (
  host TEXT NOT NULL,
  port TEXT NOT NULL,
  rcv_id BLOB NOT NULL,
  conn_id BLOB NOT NULL REFERENCES connections ON DELETE CASCADE,
  rcv_private_key BLOB NOT NULL,
  rcv_dh_secret BLOB NOT NULL,
  e2e_priv_key BLOB NOT NULL,
  e2e_dh_secret BLOB,
  snd_id BLOB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('new', 'confirmed', 'secured', 'active', 'disabled')),
  smp_client_version INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (host, port, rcv_id),
  FOREIGN KEY (host, port) REFERENCES servers ON DELETE RESTRICT ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_rcv_queues_conn_id ON rcv_queues (conn_id);

CREATE TABLE snd_queues (
  host TEXT NOT NULL,
  port TEXT NOT NULL,
  snd_id BLOB NOT NULL,
  conn_id BLOB NOT NULL REFERENCES connections ON DELETE CASCADE,
  snd_private_key BLOB NOT NULL,
  e2e_dh_secret BLOB NOT NULL,
  e2e_pub_key BLOB,
  status TEXT NOT NULL CHECK (status IN ('new', 'confirmed', 'secured', 'active', 'disabled')),
  smp_client_version INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (host, port, snd_id),
  FOREIGN KEY (host, port) REFERENCES servers ON DELETE RESTRICT ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE UNIQUE INDEX idx_snd_queues_conn_id ON snd_queues (conn_id);

CREATE TABLE messages (
  conn_id BLOB NOT NULL REFERENCES connections ON DELETE CASCADE,
  internal_id INTEGER NOT NULL,
  internal_ts INTEGER NOT NULL,
  internal_rcv_id INTEGER,
  internal_snd_id INTEGER,
  msg_type TEXT NOT NULL CHECK (msg_type IN ('H', 'R', 'M')),
  msg_body BLOB NOT NULL DEFAULT x'',
  PRIMARY KEY (conn_id, internal_id),
  CHECK ((internal_rcv_id IS NULL) <> (internal_snd_id IS NULL))
) WITHOUT ROWID;

CREATE TABLE rcv_messages (
  conn_id BLOB NOT NULL,
  internal_id INTEGER NOT NULL,
  internal_rcv_id INTEGER NOT NULL,
  external_snd_id INTEGER NOT NULL,
  broker_id BLOB NOT NULL,
  broker_ts INTEGER NOT NULL,
  internal_hash BLOB NOT NULL,
  external_prev_snd_hash BLOB NOT NULL,
  integrity BLOB NOT NULL,
  PRIMARY KEY (conn_id, internal_id),
  FOREIGN KEY (conn_id, internal_id) REFERENCES messages ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE snd_messages (
  conn_id BLOB NOT NULL,
  internal_id INTEGER NOT NULL,
  internal_snd_id INTEGER NOT NULL,
  internal_hash BLOB NOT NULL,
  previous_msg_hash BLOB NOT NULL DEFAULT x'',
  PRIMARY KEY (conn_id, internal_id),
  FOREIGN KEY (conn_id, internal_id) REFERENCES messages ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE conn_confirmations (
  confirmation_id BLOB NOT NULL PRIMARY KEY,
  conn_id BLOB NOT NULL REFERENCES connections ON DELETE CASCADE,
  e2e_snd_pub_key BLOB NOT NULL,
  sender_key BLOB NOT NULL,
  ratchet_state BLOB NOT NULL,
  sender_conn_info BLOB NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0,
  own_conn_info BLOB,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
) WITHOUT ROWID;
CREATE INDEX idx_conn_confirmations_conn_id ON conn_confirmations (conn_id);

CREATE TABLE conn_invitations (
  invitation_id BLOB NOT NULL PRIMARY KEY,
  contact_conn_id BLOB NOT NULL REFERENCES connections ON DELETE CASCADE,
  cr_invitation BLOB NOT NULL,
  recipient_conn_info BLOB NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0,
  own_conn_info BLOB,
  created_at TEXT NOT NULL DEFAULT (datetime('now'))
) WITHOUT ROWID;
CREATE INDEX idx_conn_invitations_contact_conn_id ON conn_invitations (contact_conn_id);

CREATE TABLE ratchets (
  conn_id BLOB NOT NULL PRIMARY KEY REFERENCES connections ON DELETE CASCADE,
  x3dh_priv_key_1 BLOB,
  x3dh_priv_key_2 BLOB,
  ratchet_state BLOB
) WITHOUT ROWID;

CREATE TABLE skipped_messages (
  conn_id BLOB NOT NULL REFERENCES ratchets ON DELETE CASCADE,
  header_key BLOB NOT NULL,
  msg_n INTEGER NOT NULL,
  msg_key BLOB NOT NULL,
  PRIMARY KEY (conn_id, header_key, msg_n)
) WITHOUT ROWID;
)sql";
}

}  // namespace smp::agent::detail
