// The double ratchet on agent messages padded to 15856 bytes (15996 on the wire): encryption
// alone, decryption alone, both in one chain, and a reply each way, which costs a DH ratchet
// step (a fresh X448 key and two root KDFs) on every message.
#include <benchmark/benchmark.h>

#include "smp/agent/e2e_params.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/x3dh.h"

namespace {

using namespace smp;
using namespace smp::agent;

constexpr std::size_t kAgentMsgPaddedLen = 15856;
const Bytes kMessage(15000, 'm');

struct Parties {
  Ratchet alice;  // created the invitation
  Ratchet bob;    // joined it
};

Parties make_parties() {
  KeyGenerator keygen = random_key_generator();
  E2EParamsKeys a = generate_e2e_params(kE2eEncryptVersion, keygen);
  E2EParamsKeys b = generate_e2e_params(kE2eEncryptVersion, keygen);
  auto bob_init = x3dh_snd(b.private_key1, b.private_key2, a.params).value();
  auto alice_init = x3dh_rcv(a.private_key1, a.private_key2, b.params).value();
  return Parties{init_rcv_ratchet(std::move(a.private_key2), alice_init),
                 init_snd_ratchet(a.params.key2, keygen().private_key, bob_init).value()};
}

void BM_RatchetEncrypt(benchmark::State& state) {
  Parties p = make_parties();
  for (auto _ : state) {
    auto r = rc_encrypt(p.bob, kAgentMsgPaddedLen, kMessage);
    p.bob = std::move(r.value().state);
    benchmark::DoNotOptimize(r.value().message.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kAgentMsgPaddedLen));
}
BENCHMARK(BM_RatchetEncrypt);

// The same message decrypted again and again from the same state (rc_decrypt does not change
// its input), so each iteration is one decryption in an established chain.
void BM_RatchetDecrypt(benchmark::State& state) {
  Parties p = make_parties();
  KeyGenerator keygen = random_key_generator();
  SkippedMsgKeys skipped;
  auto first = rc_encrypt(p.bob, kAgentMsgPaddedLen, kMessage).value();
  p.alice = std::move(rc_decrypt(p.alice, skipped, first.message, keygen).value().state);
  Bytes msg = rc_encrypt(first.state, kAgentMsgPaddedLen, kMessage).value().message;
  for (auto _ : state) {
    auto r = rc_decrypt(p.alice, skipped, msg, keygen);
    benchmark::DoNotOptimize(r.value().plaintext.value().data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kAgentMsgPaddedLen));
}
BENCHMARK(BM_RatchetDecrypt);

void BM_RatchetEncryptDecryptSameChain(benchmark::State& state) {
  Parties p = make_parties();
  KeyGenerator keygen = random_key_generator();
  SkippedMsgKeys skipped;
  for (auto _ : state) {
    auto sent = rc_encrypt(p.bob, kAgentMsgPaddedLen, kMessage);
    p.bob = std::move(sent.value().state);
    auto got = rc_decrypt(p.alice, skipped, sent.value().message, keygen);
    p.alice = std::move(got.value().state);
    benchmark::DoNotOptimize(got.value().plaintext.value().data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kAgentMsgPaddedLen));
}
BENCHMARK(BM_RatchetEncryptDecryptSameChain);

// One message each way per iteration: every decryption makes a DH ratchet step.
void BM_RatchetReplyEachWay(benchmark::State& state) {
  Parties p = make_parties();
  KeyGenerator keygen = random_key_generator();
  SkippedMsgKeys skipped;
  auto exchange = [&](Ratchet& from, Ratchet& to) {
    auto sent = rc_encrypt(from, kAgentMsgPaddedLen, kMessage);
    from = std::move(sent.value().state);
    auto got = rc_decrypt(to, skipped, sent.value().message, keygen);
    to = std::move(got.value().state);
    benchmark::DoNotOptimize(got.value().plaintext.value().data());
  };
  exchange(p.bob, p.alice);
  for (auto _ : state) {
    exchange(p.alice, p.bob);
    exchange(p.bob, p.alice);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_RatchetReplyEachWay);

}  // namespace
