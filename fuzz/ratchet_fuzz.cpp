// libFuzzer target for the ratchet's decoders and for rc_decrypt. The first input byte picks
// the decoder; the rest is its input. Every decoder must fail cleanly on garbage; the binary
// forms that decode must re-encode to the same bytes; rc_decrypt runs against a fixed pair of
// states (both chains and one skipped key present) and must return a value or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "smp/agent/e2e_params.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/ratchet_codec.h"
#include "smp/agent/x3dh.h"

namespace {

using namespace smp;
using namespace smp::agent;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_same(ByteView in, ByteView out) { check(to_hex(in) == to_hex(out)); }

// Deterministic X448 keys: the n-th key's secret is n repeated.
KeyGenerator fixed_keys() {
  auto next = std::make_shared<std::uint8_t>(1);
  return [next] {
    auto priv =
        crypto::PrivateKey::from_raw(crypto::KeyAlgorithm::x448, Bytes(56, (*next)++)).value();
    crypto::PublicKey pub = priv.public_key();
    return crypto::KeyPair{pub, std::move(priv)};
  };
}

struct Fixture {
  Ratchet alice;
  SkippedMsgKeys skipped;
};

// Alice has received one of two messages of Bob's first chain and answered; Bob has not
// read her answer yet.
const Fixture& fixture() {
  static const Fixture f = [] {
    KeyGenerator keygen = fixed_keys();
    E2EParamsKeys a = generate_e2e_params(kE2eEncryptVersion, keygen);
    E2EParamsKeys b = generate_e2e_params(kE2eEncryptVersion, keygen);
    auto bob_init = x3dh_snd(b.private_key1, b.private_key2, a.params).value();
    auto alice_init = x3dh_rcv(a.private_key1, a.private_key2, b.params).value();
    Ratchet bob = init_snd_ratchet(a.params.key2, keygen().private_key, bob_init).value();
    Ratchet alice = init_rcv_ratchet(std::move(a.private_key2), alice_init);
    auto m1 = rc_encrypt(bob, 64, as_bytes("one")).value();
    auto m2 = rc_encrypt(m1.state, 64, as_bytes("two")).value();
    auto got = rc_decrypt(alice, {}, m2.message, keygen).value();
    SkippedMsgKeys skipped;
    apply_skipped_diff(skipped, got.skipped);
    return Fixture{std::move(rc_encrypt(got.state, 64, as_bytes("three")).value().state),
                   std::move(skipped)};
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ByteView in(data + 1, size - 1);
  switch (data[0] % 8) {
    case 0:
      if (auto p = decode_e2e_params(in)) check_same(in, encode_e2e_params(p.value()));
      break;
    case 1:
      if (auto p = decode_e2e_params_uri(as_chars(in))) {
        check(decode_e2e_params_uri(str_encode(p.value())).value() == p.value());
      }
      break;
    case 2:
      if (auto rc = decode_ratchet(in)) check_same(in, encode_ratchet(rc.value()).value().view());
      break;
    case 3:
      if (auto keys = decode_skipped_keys(in))
        check_same(in, encode_skipped_keys(keys.value()).value().view());
      break;
    case 4:
      if (auto mk = decode_message_key(in))
        check_same(in, encode_message_key(mk.value()).value().view());
      break;
    case 5:
      if (auto h = parse_msg_header(in, crypto::kDhX448)) {
        Bytes out = encode_msg_header(h.value());
        check(out.size() <= in.size());
        check_same(in.first(out.size()), out);
      }
      break;
    case 6:
      if (auto m = decode_enc_ratchet_message(in)) {
        check(m.value().header.size() + m.value().tag.size() + m.value().body.size() + 1 ==
              in.size());
        (void)decode_enc_message_header(m.value().header);
      }
      break;
    default: {
      const Fixture& f = fixture();
      auto r = rc_decrypt(f.alice, f.skipped, in, fixed_keys());
      (void)r;
      break;
    }
  }
  return 0;
}
