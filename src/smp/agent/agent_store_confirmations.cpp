// Confirmations (spec §7.6 steps 3, 4, 7) and contact invitations (contact mode).
#include <string>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_internal.h"
#include "smp/agent/ratchet_codec.h"
#include "smp/common/try.h"

namespace smp::agent {

using detail::id_blob;

namespace {

// Column order of read_confirmation.
constexpr std::string_view kConfirmationSelect =
    "SELECT confirmation_id, conn_id, sender_key, e2e_snd_pub_key, ratchet_state,"
    " sender_conn_info, own_conn_info FROM conn_confirmations";

Result<AcceptedConfirmation> read_confirmation(sqlite::Database& db, const sqlite::Statement& st) {
  SMP_TRY(auto sender_key, detail::column_public_key(db, st, 2, crypto::kSignatureAlgorithms));
  SMP_TRY(auto e2e_key, detail::column_public_key(db, st, 3, crypto::kDhX25519));
  SMP_TRY(auto ratchet, detail::column_ratchet(db, st, 4));
  return AcceptedConfirmation{to_string(st.column_view(0)),
                              to_string(st.column_view(1)),
                              sender_key,
                              e2e_key,
                              st.column_blob(5),
                              std::move(ratchet),
                              st.column_blob(6)};
}

}  // namespace

Result<ConfirmationId> AgentStore::create_confirmation(const NewConfirmation& c) {
  if (!crypto::is_signature_algorithm(c.sender_key.algorithm()) ||
      c.e2e_pub_key.algorithm() != crypto::KeyAlgorithm::x25519)
    return db_.fail(errc::wrong_algorithm, "confirmation keys of the wrong algorithm");
  SMP_TRY(SecretBytes ratchet, encode_ratchet(c.ratchet));
  const Bytes e2e_key = crypto::encode_public_key_der(c.e2e_pub_key);
  const Bytes sender_key = crypto::encode_public_key_der(c.sender_key);
  return write([&]() -> Result<ConfirmationId> {
    {
      // The same confirmation again: the server delivers it once more when the agent stopped
      // after storing it and before its ACK.
      SMP_TRY(auto st, db_.cached("SELECT confirmation_id FROM conn_confirmations"
                                  " WHERE conn_id = ? AND e2e_snd_pub_key = ? AND sender_key = ?"
                                  " AND accepted = 0"));
      st->bind_all(id_blob(c.conn_id), e2e_key, sender_key);
      SMP_TRY(bool row, st->step());
      if (row) return to_string(st->column_view(0));
    }
    return detail::insert_with_id("", [&](std::string_view id) -> Result<void> {
      SMP_TRY(auto st, db_.cached("INSERT INTO conn_confirmations (confirmation_id, conn_id,"
                                  " e2e_snd_pub_key, sender_key, ratchet_state, sender_conn_info,"
                                  " accepted) VALUES (?, ?, ?, ?, ?, ?, 0)"));
      st->bind_all(id_blob(id), id_blob(c.conn_id), e2e_key, sender_key, ratchet, c.conn_info);
      return st->run();
    });
  });
}

Result<AcceptedConfirmation> AgentStore::accept_confirmation(std::string_view confirmation_id,
                                                             ByteView own_conn_info) {
  return write([&]() -> Result<AcceptedConfirmation> {
    {
      SMP_TRY(auto st, db_.cached("UPDATE conn_confirmations SET accepted = 1, own_conn_info = ?"
                                  " WHERE confirmation_id = ?"));
      st->bind_all(own_conn_info, id_blob(confirmation_id));
      SMP_TRY_VOID(st->run());
      SMP_TRY_VOID(detail::expect_changed(db_, "confirmation"));
    }
    static const std::string kSql = std::string(kConfirmationSelect) + " WHERE confirmation_id = ?";
    SMP_TRY(auto st, db_.cached(kSql));
    st->bind_all(id_blob(confirmation_id));
    SMP_TRY_VOID(st->step_row());
    return read_confirmation(db_, *st);
  });
}

Result<AcceptedConfirmation> AgentStore::get_accepted_confirmation(std::string_view conn_id) {
  static const std::string kSql = std::string(kConfirmationSelect) +
                                  " WHERE conn_id = ? AND accepted = 1"
                                  " ORDER BY created_at, confirmation_id LIMIT 1";
  SMP_TRY(auto st, db_.cached(kSql));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return db_.fail(errc::not_found, "accepted confirmation not found");
  return read_confirmation(db_, *st);
}

Result<void> AgentStore::remove_confirmations(std::string_view conn_id) {
  return write([&]() -> Result<void> {
    SMP_TRY(auto st, db_.cached("DELETE FROM conn_confirmations WHERE conn_id = ?"));
    st->bind_all(id_blob(conn_id));
    return st->run();
  });
}

Result<InvitationId> AgentStore::create_invitation(const NewInvitation& inv) {
  SMP_TRY(std::string conn_req, str_encode(inv.conn_req));
  return write([&]() -> Result<InvitationId> {
    SMP_TRY(ConnectionMode mode, detail::connection_mode(db_, inv.contact_conn_id));
    if (mode != ConnectionMode::contact)
      return db_.fail(errc::wrong_state, "invitations are for contact connections");
    return detail::insert_with_id("", [&](std::string_view id) -> Result<void> {
      SMP_TRY(auto st,
              db_.cached("INSERT INTO conn_invitations (invitation_id, contact_conn_id,"
                         " cr_invitation, recipient_conn_info, accepted) VALUES (?, ?, ?, ?, 0)"));
      st->bind_all(id_blob(id), id_blob(inv.contact_conn_id), as_bytes(conn_req),
                   inv.recipient_conn_info);
      return st->run();
    });
  });
}

Result<Invitation> AgentStore::get_invitation(std::string_view invitation_id) {
  SMP_TRY(auto st,
          db_.cached("SELECT contact_conn_id, cr_invitation, recipient_conn_info, own_conn_info,"
                     " accepted FROM conn_invitations WHERE invitation_id = ?"));
  st->bind_all(id_blob(invitation_id));
  SMP_TRY(bool row, st->step());
  if (!row) return db_.fail(errc::not_found, "invitation not found");
  auto conn_req = decode_connection_request(as_chars(st->column_view(1)));
  if (!conn_req || conn_req->mode != ConnectionMode::invitation)
    return detail::corrupt(db_, "invitation request");
  std::optional<Bytes> own;
  if (!st->column_is_null(3)) own = st->column_blob(3);
  return Invitation{std::string(invitation_id),
                    to_string(st->column_view(0)),
                    std::move(*conn_req),
                    st->column_blob(2),
                    std::move(own),
                    st->column_int64(4) != 0};
}

Result<void> AgentStore::accept_invitation(std::string_view invitation_id, ByteView own_conn_info) {
  return write([&]() -> Result<void> {
    {
      SMP_TRY(auto st, db_.cached("SELECT accepted FROM conn_invitations WHERE invitation_id = ?"));
      st->bind_all(id_blob(invitation_id));
      SMP_TRY(bool row, st->step());
      if (!row) return db_.fail(errc::not_found, "invitation not found");
      if (st->column_int64(0) != 0)
        return db_.fail(errc::wrong_state, "invitation already accepted");
    }
    SMP_TRY(auto st, db_.cached("UPDATE conn_invitations SET accepted = 1, own_conn_info = ?"
                                " WHERE invitation_id = ?"));
    st->bind_all(own_conn_info, id_blob(invitation_id));
    return st->run();
  });
}

Result<void> AgentStore::delete_invitation(std::string_view contact_conn_id,
                                           std::string_view invitation_id) {
  return write([&]() -> Result<void> {
    SMP_TRY(ConnectionMode mode, detail::connection_mode(db_, contact_conn_id));
    if (mode != ConnectionMode::contact)
      return db_.fail(errc::not_found, "not a contact connection");
    SMP_TRY(auto st, db_.cached("DELETE FROM conn_invitations"
                                " WHERE contact_conn_id = ? AND invitation_id = ?"));
    st->bind_all(id_blob(contact_conn_id), id_blob(invitation_id));
    return st->run();
  });
}

}  // namespace smp::agent
