// Helpers shared by the ratchet tests for reading ratchet.json: keys by name, states compared
// field by field, and a key generator that hands out recorded keys in order. Test-only; not
// thread-safe.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include "smp/agent/e2e_params.h"
#include "smp/agent/ratchet_keygen.h"
#include "smp/agent/ratchet_state.h"
#include "smp/agent/x3dh.h"
#include "smp/crypto/keys.h"
#include "support/vectors.h"

namespace smp::agent::test {

inline crypto::PrivateKey x448_private(const boost::json::value& raw_hex) {
  return crypto::PrivateKey::from_raw(crypto::KeyAlgorithm::x448, smp::test::hex(raw_hex)).value();
}

inline crypto::PublicKey x448_public_der(const boost::json::value& der_hex) {
  return crypto::decode_public_key_der(smp::test::hex(der_hex), crypto::kDhX448).value();
}

// A named key of ratchet.json's "keys" object, checked against its recorded public forms.
inline crypto::KeyPair vector_key(const boost::json::value& v, const std::string& name) {
  const auto& k = v.at("keys").at(name);
  crypto::PrivateKey priv = x448_private(k.at("private_raw"));
  EXPECT_EQ(to_hex(priv.public_key().raw()), to_hex(smp::test::hex(k.at("public_raw")))) << name;
  EXPECT_EQ(to_hex(crypto::encode_public_key_der(priv.public_key())),
            to_hex(smp::test::hex(k.at("public_x509_der"))))
      << name;
  crypto::PublicKey pub = priv.public_key();
  return crypto::KeyPair{pub, std::move(priv)};
}

// Hands out the queued key pairs in order; fails the test when asked for more.
class QueuedKeys {
 public:
  void push(crypto::KeyPair pair) { keys_->push_back(std::move(pair)); }
  std::size_t remaining() const { return keys_->size(); }
  std::size_t taken() const { return *taken_; }
  KeyGenerator generator() const {
    return [keys = keys_, taken = taken_] {
      if (keys->empty()) {
        ADD_FAILURE() << "the ratchet asked for more keys than were recorded";
        return crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
      }
      crypto::KeyPair pair = std::move(keys->front());
      keys->pop_front();
      ++*taken;
      return pair;
    };
  }

 private:
  std::shared_ptr<std::deque<crypto::KeyPair>> keys_ =
      std::make_shared<std::deque<crypto::KeyPair>>();
  std::shared_ptr<std::size_t> taken_ = std::make_shared<std::size_t>(0);
};

// A generator for operations that must not generate keys.
inline KeyGenerator no_keys_expected() {
  return [] {
    ADD_FAILURE() << "unexpected key generation";
    return crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  };
}

// Both initial states of the transcript: bob joined alice's invitation.
struct VectorParties {
  Ratchet bob;    // starts with a sending chain
  Ratchet alice;  // starts with no chain
};

inline VectorParties vector_parties(const boost::json::value& v) {
  crypto::KeyPair a1 = vector_key(v, "alice_x3dh_1");
  crypto::KeyPair a2 = vector_key(v, "alice_x3dh_2");
  crypto::KeyPair b1 = vector_key(v, "bob_x3dh_1");
  crypto::KeyPair b2 = vector_key(v, "bob_x3dh_2");
  crypto::KeyPair b_ratchet = vector_key(v, "bob_ratchet_0");
  E2ERatchetParams alice_params{kE2eEncryptVersion, a1.public_key, a2.public_key};
  E2ERatchetParams bob_params{kE2eEncryptVersion, b1.public_key, b2.public_key};
  auto bob_init = x3dh_snd(b1.private_key, b2.private_key, alice_params).value();
  auto alice_init = x3dh_rcv(a1.private_key, a2.private_key, bob_params).value();
  return VectorParties{
      init_snd_ratchet(alice_params.key2, std::move(b_ratchet.private_key), bob_init).value(),
      init_rcv_ratchet(std::move(a2.private_key), alice_init)};
}

// Compares every field of a recorded state with ours.
inline void expect_state(const boost::json::value& expected, const Ratchet& rc) {
  using smp::test::hex;
  const auto& vr = expected.at("version_range");
  EXPECT_EQ(rc.version.min(), vr.at("min").as_int64());
  EXPECT_EQ(rc.version.max(), vr.at("max").as_int64());
  EXPECT_EQ(to_hex(rc.ad), to_hex(hex(expected.at("associated_data")))) << "associated_data";
  EXPECT_EQ(to_hex(rc.dh_rs.raw()), to_hex(hex(expected.at("dh_ratchet_private_raw"))))
      << "dh_ratchet_private_raw";
  EXPECT_EQ(to_hex(crypto::encode_public_key_der(rc.dh_rs.public_key())),
            to_hex(hex(expected.at("dh_ratchet_public_x509_der"))))
      << "dh_ratchet_public_x509_der";
  EXPECT_EQ(to_hex(rc.rk.view()), to_hex(hex(expected.at("root_key")))) << "root_key";
  const auto& snd = expected.at("send_chain");
  EXPECT_EQ(rc.snd.has_value(), !snd.is_null()) << "send_chain";
  if (rc.snd && !snd.is_null()) {
    EXPECT_EQ(to_hex(crypto::encode_public_key_der(rc.snd->dh_rr)),
              to_hex(hex(snd.at("peer_dh_public_x509_der"))))
        << "send_chain.peer_dh_public_x509_der";
    EXPECT_EQ(to_hex(rc.snd->ck_s.view()), to_hex(hex(snd.at("chain_key"))))
        << "send_chain.chain_key";
    EXPECT_EQ(to_hex(rc.snd->hk_s.view()), to_hex(hex(snd.at("header_key"))))
        << "send_chain.header_key";
  }
  const auto& rcv = expected.at("receive_chain");
  EXPECT_EQ(rc.rcv.has_value(), !rcv.is_null()) << "receive_chain";
  if (rc.rcv && !rcv.is_null()) {
    EXPECT_EQ(to_hex(rc.rcv->ck_r.view()), to_hex(hex(rcv.at("chain_key"))))
        << "receive_chain.chain_key";
    EXPECT_EQ(to_hex(rc.rcv->hk_r.view()), to_hex(hex(rcv.at("header_key"))))
        << "receive_chain.header_key";
  }
  EXPECT_EQ(rc.ns, expected.at("ns").as_int64()) << "ns";
  EXPECT_EQ(rc.nr, expected.at("nr").as_int64()) << "nr";
  EXPECT_EQ(rc.pn, expected.at("pn").as_int64()) << "pn";
  EXPECT_EQ(to_hex(rc.nhk_s.view()), to_hex(hex(expected.at("next_header_key_send"))))
      << "next_header_key_send";
  EXPECT_EQ(to_hex(rc.nhk_r.view()), to_hex(hex(expected.at("next_header_key_receive"))))
      << "next_header_key_receive";
}

}  // namespace smp::agent::test
