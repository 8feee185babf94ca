// Helpers for the agent store tests: queues with fresh keys, a ratchet pair, comparisons of
// move-only records, and an agent-like sender/receiver that goes through the store exactly as
// the agent does (ids allocated, message built and ratchet saved in one call; decryption,
// ratchet and received message saved in one transaction). Test-only; not thread-safe.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "smp/agent/agent_message.h"
#include "smp/agent/agent_store.h"
#include "smp/agent/envelope_format.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/ratchet_test_util.h"
#include "smp/agent/snd_message_body.h"
#include "smp/agent/store_test_util.h"
#include "smp/common/try.h"
#include "smp/crypto/hash.h"

namespace smp::agent::test {

inline protocol::SmpServer test_server(std::string host, std::string port = "5223") {
  return protocol::SmpServer{std::move(host), std::move(port), Bytes(32, 0x5a)};
}

inline RcvQueue make_rcv_queue(const protocol::SmpServer& server, std::string_view rcv_id,
                               std::string_view snd_id) {
  return RcvQueue{server,
                  to_bytes(rcv_id),
                  crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).private_key,
                  SecretBytes(crypto::random_bytes(32)),
                  crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).private_key,
                  std::nullopt,
                  to_bytes(snd_id),
                  QueueStatus::new_,
                  1};
}

inline SndQueue make_snd_queue(const protocol::SmpServer& server, std::string_view snd_id) {
  return SndQueue{server,
                  to_bytes(snd_id),
                  crypto::generate_key_pair(crypto::KeyAlgorithm::ed448).private_key,
                  SecretBytes(crypto::random_bytes(32)),
                  crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key,
                  QueueStatus::new_,
                  1};
}

inline bool same_key(const crypto::PrivateKey& a, const crypto::PrivateKey& b) {
  return a.algorithm() == b.algorithm() && constant_time_equal(a.raw(), b.raw());
}

inline bool same_secret(const std::optional<SecretBytes>& a, const std::optional<SecretBytes>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || constant_time_equal(a->view(), b->view());
}

inline void expect_same_queue(const RcvQueue& a, const RcvQueue& b) {
  EXPECT_EQ(a.server, b.server);
  EXPECT_EQ(a.rcv_id, b.rcv_id);
  EXPECT_TRUE(same_key(a.rcv_private_key, b.rcv_private_key));
  EXPECT_TRUE(constant_time_equal(a.rcv_dh_secret.view(), b.rcv_dh_secret.view()));
  EXPECT_TRUE(same_key(a.e2e_priv_key, b.e2e_priv_key));
  EXPECT_TRUE(same_secret(a.e2e_dh_secret, b.e2e_dh_secret));
  EXPECT_EQ(a.snd_id, b.snd_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.client_version, b.client_version);
}

inline void expect_same_queue(const SndQueue& a, const SndQueue& b) {
  EXPECT_EQ(a.server, b.server);
  EXPECT_EQ(a.snd_id, b.snd_id);
  EXPECT_TRUE(same_key(a.snd_private_key, b.snd_private_key));
  EXPECT_TRUE(constant_time_equal(a.e2e_dh_secret.view(), b.e2e_dh_secret.view()));
  EXPECT_EQ(a.e2e_pub_key, b.e2e_pub_key);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.client_version, b.client_version);
}

inline AgentStore open_store(const std::filesystem::path& path, StoreOptions options = {}) {
  auto store = AgentStore::open(path, options);
  EXPECT_TRUE(store) << (store ? "" : store.error().message());
  if (!store) throw std::runtime_error("cannot open the store");
  return std::move(*store);
}

// A sent message with a plain body and no ratchet step.
inline Result<SndMsgIds> add_sent(AgentStore& store, std::string_view conn_id, std::string body) {
  return store.create_snd_message(
      conn_id, AgentMsgType::a_msg, {}, [&](const SndMsgIds&) -> Result<SndMsgContent> {
        return SndMsgContent{to_bytes(body), Bytes(32, 0xa1), std::nullopt};
      });
}

inline Bytes sha256_bytes(ByteView b) {
  auto d = crypto::sha256(b);
  return Bytes(d.begin(), d.end());
}

// Enqueues `message` on conn as the agent does (spec §7.7): ids from the store, the
// AgentMessage encoded with them and ratchet-encrypted, the ratchet saved with the message.
inline Result<SndMsgIds> enqueue(AgentStore& store, std::string_view conn_id,
                                 const AMessage& message, enc::Timestamp ts = enc::Timestamp{}) {
  return store.create_snd_message(
      conn_id, agent_msg_type_of(message), ts, [&](const SndMsgIds& ids) -> Result<SndMsgContent> {
        SMP_TRY(Ratchet rc, store.get_ratchet(conn_id));
        AgentMessage am{APrivHeader{ids.internal_snd_id, ids.prev_msg_hash}, message};
        SMP_TRY(Bytes plain, encode_agent_plaintext(am));
        SMP_TRY(auto enc, rc_encrypt(rc, kUserMsgPaddedLength, plain));
        return SndMsgContent{std::move(enc.message), sha256_bytes(plain), std::move(enc.state)};
      });
}

// Decrypts a message body taken from the sender's store and records it as the agent does
// (spec §7.8): ratchet, skipped keys and the message in one transaction.
struct Received {
  RcvMsgResult result;
  AgentMessage message;
};
inline Result<Received> receive(AgentStore& store, std::string_view conn_id, ByteView body,
                                std::string_view broker_id = "broker-msg-id") {
  SMP_TRY(Ratchet rc, store.get_ratchet(conn_id));
  SMP_TRY(SkippedMsgKeys skipped, store.get_skipped_keys(conn_id));
  SMP_TRY(auto dec, rc_decrypt(rc, skipped, body, random_key_generator()));
  SMP_TRY(Bytes plain, std::move(dec.plaintext));
  SMP_TRY(AgentPlaintext pt, decode_agent_plaintext(plain));
  if (!std::holds_alternative<AgentMessage>(pt)) return make_error_code(errc::bad_tag);
  AgentMessage am = std::get<AgentMessage>(pt);
  NewRcvMessage rm{enc::Timestamp{},     agent_msg_type_of(am.message), plain,
                   am.header.snd_msg_id, am.header.prev_msg_hash,       to_bytes(broker_id),
                   enc::Timestamp{}};
  SMP_TRY(auto result, store.atomically([&](AgentStore& s) -> Result<RcvMsgResult> {
    SMP_TRY_VOID(s.update_ratchet(conn_id, dec.state, dec.skipped));
    return s.create_rcv_message(conn_id, rm);
  }));
  return Received{result, am};
}

// The body of a pending message, as a delivery worker would read it.
inline Bytes pending_body(AgentStore& store, std::string_view conn_id, std::int64_t id) {
  auto m = store.get_snd_message(conn_id, id);
  EXPECT_TRUE(m) << store.last_error();
  if (!m) return Bytes{};
  auto envelope = snd_message_envelope(*m);
  EXPECT_TRUE(envelope) << envelope.error().message();
  return envelope ? std::move(*envelope) : Bytes{};
}

inline std::int64_t count_rows(AgentStore& store, std::string_view table,
                               std::string_view where = "") {
  std::string sql = "SELECT count(*) FROM " + std::string(table);
  if (!where.empty()) sql += " WHERE " + std::string(where);
  auto st = store.database().prepare(sql);
  EXPECT_TRUE(st);
  if (!st || !st->step().value()) return -1;
  return st->column_int64(0);
}

}  // namespace smp::agent::test
