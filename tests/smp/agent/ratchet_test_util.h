// Test helpers for conversations between two ratchets: deterministic keys from a seeded
// generator, both parties initialised as the agent does, and a Peer that applies each
// decryption's state and skipped-key diff. Test-only; not thread-safe.
#pragma once

#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "smp/agent/e2e_params.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/x3dh.h"

namespace smp::agent::test {

// Key pairs whose secrets come from a seeded std::mt19937, so a run can be repeated.
inline KeyGenerator seeded_key_generator(std::shared_ptr<std::mt19937> rng,
                                         crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::x448) {
  return [rng, alg] {
    Bytes raw(crypto::private_key_size(alg));
    for (auto& b : raw) b = static_cast<std::uint8_t>((*rng)() & 0xff);
    crypto::PrivateKey priv = crypto::PrivateKey::from_raw(alg, raw).value();
    crypto::PublicKey pub = priv.public_key();
    return crypto::KeyPair{pub, std::move(priv)};
  };
}

struct Peer {
  Ratchet state;
  SkippedMsgKeys skipped;
  KeyGenerator keygen;

  Bytes encrypt(std::string_view msg, std::size_t padded_len = 256) {
    auto r = rc_encrypt(state, padded_len, as_bytes(msg));
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return {};
    state = std::move(r.value().state);
    return std::move(r.value().message);
  }

  // Decrypts and, as the agent does, keeps the returned state and diff whenever the outer
  // result is a value. Returns the outer error or the inner result.
  Result<Bytes> decrypt(ByteView msg) {
    auto r = rc_decrypt(state, skipped, msg, keygen);
    if (!r) return r.error();
    state = std::move(r.value().state);
    apply_skipped_diff(skipped, r.value().skipped);
    return std::move(r.value().plaintext);
  }
};

struct PeerPair {
  Peer alice;  // created the invitation
  Peer bob;    // joined it and sends first
};

// X3DH and both initialisations with keys from `keygen`, as the agent runs them.
inline PeerPair make_peers(const KeyGenerator& keygen) {
  E2EParamsKeys a = generate_e2e_params(kE2eEncryptVersion, keygen);
  E2EParamsKeys b = generate_e2e_params(kE2eEncryptVersion, keygen);
  auto bob_init = x3dh_snd(b.private_key1, b.private_key2, a.params).value();
  auto alice_init = x3dh_rcv(a.private_key1, a.private_key2, b.params).value();
  crypto::KeyPair bob_ratchet = keygen();
  return PeerPair{
      Peer{init_rcv_ratchet(std::move(a.private_key2), alice_init), {}, keygen},
      Peer{init_snd_ratchet(a.params.key2, std::move(bob_ratchet.private_key), bob_init).value(),
           {},
           keygen}};
}

inline std::string text_of(const Result<Bytes>& r) {
  if (!r) return "error: " + std::string(errc_name(static_cast<errc>(r.error().value())));
  return to_string(r.value());
}

}  // namespace smp::agent::test
