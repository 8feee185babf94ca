// Double-ratchet persistence: X3DH keys, ratchet states and skipped message keys.
#include <limits>
#include <string>

#include "smp/agent/agent_store.h"
#include "smp/agent/agent_store_internal.h"
#include "smp/agent/ratchet_codec.h"
#include "smp/common/overloaded.h"
#include "smp/common/try.h"

namespace smp::agent {

using detail::id_blob;

namespace {

constexpr crypto::AlgorithmSet kRatchetDh{crypto::KeyAlgorithm::x25519, crypto::KeyAlgorithm::x448};

Result<void> delete_skipped_key(sqlite::Database& db, std::string_view conn_id,
                                const SkippedKeyRemoved& removed) {
  SMP_TRY(auto st, db.cached("DELETE FROM skipped_messages"
                             " WHERE conn_id = ? AND header_key = ? AND msg_n = ?"));
  st->bind_all(id_blob(conn_id), removed.header_key, removed.msg_n);
  return st->run();
}

Result<void> upsert_skipped_keys(sqlite::Database& db, std::string_view conn_id,
                                 const SkippedKeysAdded& added) {
  for (const auto& [header_key, keys] : added.keys) {
    for (const auto& [msg_n, mk] : keys) {
      SMP_TRY(SecretBytes encoded, encode_message_key(mk));
      SMP_TRY(auto st,
              db.cached("INSERT INTO skipped_messages (conn_id, header_key, msg_n, msg_key)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (conn_id, header_key, msg_n)"
                        " DO UPDATE SET msg_key = excluded.msg_key"));
      st->bind_all(id_blob(conn_id), header_key, msg_n, encoded);
      SMP_TRY_VOID(st->run());
    }
  }
  return {};
}

}  // namespace

Result<void> AgentStore::create_ratchet_x3dh_keys(std::string_view conn_id,
                                                  const crypto::PrivateKey& key1,
                                                  const crypto::PrivateKey& key2) {
  if (key1.algorithm() != key2.algorithm() || !kRatchetDh.contains(key1.algorithm()))
    return db_.fail(errc::wrong_algorithm, "X3DH keys of the wrong algorithm");
  cache_.forget_ratchet(conn_id);
  return write([&]() -> Result<void> {
    SMP_TRY(auto st, db_.cached("INSERT INTO ratchets (conn_id, x3dh_priv_key_1, x3dh_priv_key_2)"
                                " VALUES (?, ?, ?)"));
    st->bind_all(id_blob(conn_id), crypto::encode_private_key_der(key1),
                 crypto::encode_private_key_der(key2));
    return st->run();
  });
}

Result<X3dhKeys> AgentStore::get_ratchet_x3dh_keys(std::string_view conn_id) {
  SMP_TRY(auto st, db_.cached("SELECT x3dh_priv_key_1, x3dh_priv_key_2 FROM ratchets"
                              " WHERE conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row || st->column_is_null(0) || st->column_is_null(1))
    return db_.fail(errc::not_found, "X3DH keys not found");
  SMP_TRY(auto key1, detail::column_private_key(db_, *st, 0, kRatchetDh));
  SMP_TRY(auto key2, detail::column_private_key(db_, *st, 1, kRatchetDh));
  return X3dhKeys{std::move(key1), std::move(key2)};
}

Result<void> AgentStore::set_ratchet(std::string_view conn_id, const Ratchet& ratchet) {
  SMP_TRY(SecretBytes state, encode_ratchet(ratchet));
  return write([&]() -> Result<void> {
    SMP_TRY(
        auto st,
        db_.cached("INSERT INTO ratchets (conn_id, ratchet_state) VALUES (?, ?)"
                   " ON CONFLICT (conn_id) DO UPDATE SET ratchet_state = excluded.ratchet_state,"
                   " x3dh_priv_key_1 = NULL, x3dh_priv_key_2 = NULL"));
    st->bind_all(id_blob(conn_id), state);
    SMP_TRY_VOID(st->run());
    cache_.put_ratchet(conn_id, ratchet);
    return Result<void>{};
  });
}

Result<Ratchet> AgentStore::get_ratchet(std::string_view conn_id) {
  if (auto cached = cache_.ratchet(conn_id)) return std::move(*cached);
  SMP_TRY(auto st, db_.cached("SELECT ratchet_state FROM ratchets WHERE conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row || st->column_is_null(0)) return db_.fail(errc::not_found, "ratchet not found");
  SMP_TRY(Ratchet rc, detail::column_ratchet(db_, *st, 0));
  cache_.put_ratchet(conn_id, rc);
  return rc;
}

Result<SkippedMsgKeys> AgentStore::get_skipped_keys(std::string_view conn_id) {
  SMP_TRY(auto st, db_.cached("SELECT header_key, msg_n, msg_key FROM skipped_messages"
                              " WHERE conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SkippedMsgKeys keys;
  for (;;) {
    SMP_TRY(bool row, st->step());
    if (!row) break;
    std::int64_t n = st->column_int64(1);
    auto mk = decode_message_key(st->column_view(2));
    if (n < 0 || n > std::numeric_limits<std::uint32_t>::max() || !mk)
      return detail::corrupt(db_, "skipped message key");
    auto it = keys.find(st->column_view(0));
    if (it == keys.end()) it = keys.emplace(st->column_secret(0), SkippedHdrMsgKeys{}).first;
    it->second.insert_or_assign(static_cast<std::uint32_t>(n), std::move(*mk));
  }
  return keys;
}

Result<void> AgentStore::apply_skipped_diff(std::string_view conn_id, const SkippedMsgDiff& diff) {
  return write([&]() -> Result<void> {
    return std::visit(
        Overloaded{
            [](const SkippedKeysUnchanged&) -> Result<void> { return {}; },
            [&](const SkippedKeyRemoved& r) { return delete_skipped_key(db_, conn_id, r); },
            [&](const SkippedKeysAdded& a) { return upsert_skipped_keys(db_, conn_id, a); },
        },
        diff);
  });
}

Result<void> AgentStore::update_ratchet(std::string_view conn_id, const Ratchet& ratchet,
                                        const SkippedMsgDiff& diff) {
  SMP_TRY(SecretBytes state, encode_ratchet(ratchet));
  return write([&]() -> Result<void> {
    SMP_TRY(auto st, db_.cached("UPDATE ratchets SET ratchet_state = ? WHERE conn_id = ?"));
    st->bind_all(state, id_blob(conn_id));
    SMP_TRY_VOID(st->run());
    SMP_TRY_VOID(detail::expect_changed(db_, "ratchet"));
    SMP_TRY_VOID(apply_skipped_diff(conn_id, diff));
    cache_.put_ratchet(conn_id, ratchet);
    return Result<void>{};
  });
}

}  // namespace smp::agent
