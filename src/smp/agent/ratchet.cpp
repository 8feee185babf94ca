#include "smp/agent/ratchet.h"

#include <algorithm>

#include "smp/agent/ratchet_kdf.h"
#include "smp/common/try.h"
#include "smp/crypto/aead.h"

namespace smp::agent {
namespace {

Bytes concat(ByteView a, ByteView b) {
  Bytes out;
  out.reserve(a.size() + b.size());
  append(out, a);
  append(out, b);
  return out;
}

// The body's AD: the ratchet's AD followed by the encoded EncMessageHeader.
Result<Bytes> decrypt_body(const Ratchet& rc, const EncRatchetMessage& m, ByteView key,
                           ByteView iv) {
  return crypto::decrypt_aead(key, iv, concat(rc.ad, m.header), m.body, m.tag);
}

enum class RatchetStep { same, advance };

SkippedMsgDiff diff_of(SkippedMsgKeys added) {
  if (added.empty()) return SkippedKeysUnchanged{};
  return SkippedKeysAdded{std::move(added)};
}

// Derives and returns the keys of messages [Nr, until) of the current receiving chain, stored
// under its header key, and moves the chain to `until`.
Result<SkippedMsgKeys> skip_message_keys(Ratchet& rc, std::uint32_t until) {
  SkippedMsgKeys out;
  if (!rc.rcv) return out;
  if (rc.nr > until) return make_error_code(errc::ratchet_duplicate);
  // In 64 bits: the reference's Word32 sum would wrap after 2^32 - 512 messages.
  if (std::uint64_t{rc.nr} + kMaxSkip < until)
    return make_error_code(errc::ratchet_too_many_skipped);
  if (rc.nr == until) return out;
  SkippedHdrMsgKeys keys;
  SecretBytes ck = rc.rcv->ck_r.clone();
  for (std::uint32_t n = rc.nr; n < until; ++n) {
    SMP_TRY(ChainKdfKeys k, chain_kdf(ck.view()));
    keys.emplace_hint(keys.end(), n, MessageKey{std::move(k.message_key), std::move(k.message_iv)});
    ck = std::move(k.chain_key);
  }
  rc.rcv->ck_r = std::move(ck);
  rc.nr = until;
  out.emplace(rc.rcv->hk_r.clone(), std::move(keys));
  return out;
}

class Decryption {
 public:
  Decryption(const Ratchet& rc, const SkippedMsgKeys& skipped, const EncRatchetMessage& msg,
             const EncMessageHeader& header, const KeyGenerator& keygen)
      : rc_(rc), skipped_(skipped), msg_(msg), header_(header), keygen_(keygen) {}

  Result<DecryptResult> run() {
    // TrySkippedMessageKeysHE: the first stored header key that opens the header decides.
    for (const auto& [hk, keys] : skipped_) {
      auto decrypted = decrypt_header(hk.view());
      if (!decrypted && decrypted.error() == make_error_code(errc::ratchet_header)) continue;
      if (!decrypted) return decrypted.error();
      const MsgHeader& header = decrypted.value();
      auto mk = keys.find(header.ns);
      if (mk != keys.end()) {
        // The stored key is used up whether or not the body decrypts.
        return DecryptResult{decrypt_body(rc_, msg_, mk->second.key.view(), mk->second.iv.view()),
                             rc_.clone(), SkippedKeyRemoved{hk.clone(), header.ns}};
      }
      if (rc_.rcv && constant_time_equal(hk.view(), rc_.rcv->hk_r.view())) {
        return decrypt_in_chain(RatchetStep::same, header);
      }
      if (constant_time_equal(hk.view(), rc_.nhk_r.view())) {
        return decrypt_in_chain(RatchetStep::advance, header);
      }
      return make_error_code(errc::ratchet_header);
    }
    if (rc_.rcv) {
      auto header = decrypt_header(rc_.rcv->hk_r.view());
      if (header) return decrypt_in_chain(RatchetStep::same, header.value());
      if (header.error() != make_error_code(errc::ratchet_header)) return header.error();
    }
    SMP_TRY(MsgHeader header, decrypt_header(rc_.nhk_r.view()));
    return decrypt_in_chain(RatchetStep::advance, header);
  }

 private:
  // errc::ratchet_header when the key does not open the header; errc::crypto_header when the
  // plaintext is not a header.
  Result<MsgHeader> decrypt_header(ByteView hk) const {
    auto plain = crypto::decrypt_aead(hk, header_.iv, rc_.ad, header_.body, header_.tag);
    if (!plain) return make_error_code(errc::ratchet_header);
    auto header = parse_msg_header(*plain, crypto::AlgorithmSet{rc_.dh_rs.algorithm()});
    if (!header) return make_error_code(errc::crypto_header);
    return header;
  }

  Result<DecryptResult> decrypt_in_chain(RatchetStep step, const MsgHeader& header) const {
    Ratchet state = rc_.clone();
    SkippedMsgKeys added;
    if (step == RatchetStep::advance) {
      SMP_TRY(added, dh_ratchet_step(state, header));
    }
    auto more = skip_message_keys(state, header.ns);
    if (!more) return DecryptResult{more.error(), std::move(state), diff_of(std::move(added))};
    // Map union keeping the first map's entries, as the reference's (<>).
    added.merge(*more);
    if (!state.rcv) {
      return DecryptResult{make_error_code(errc::ratchet_state), std::move(state),
                           diff_of(std::move(added))};
    }
    SMP_TRY(ChainKdfKeys k, chain_kdf(state.rcv->ck_r.view()));
    Result<Bytes> plaintext = decrypt_body(rc_, msg_, k.message_key.view(), k.message_iv.view());
    state.rcv->ck_r = std::move(k.chain_key);
    state.nr += 1;
    return DecryptResult{std::move(plaintext), std::move(state), diff_of(std::move(added))};
  }

  // DHRatchetHE, after skipping the rest of the current receiving chain up to the header's PN.
  Result<SkippedMsgKeys> dh_ratchet_step(Ratchet& state, const MsgHeader& header) const {
    SMP_TRY(SkippedMsgKeys skipped, skip_message_keys(state, header.pn));
    crypto::KeyPair fresh = keygen_();
    SMP_TRY(RootKdfKeys rcv_keys, root_kdf(state.rk.view(), header.dh_rs, state.dh_rs));
    SMP_TRY(RootKdfKeys snd_keys,
            root_kdf(rcv_keys.root_key.view(), header.dh_rs, fresh.private_key));
    state.dh_rs = std::move(fresh.private_key);
    state.rk = std::move(snd_keys.root_key);
    state.snd = SndRatchet{header.dh_rs, std::move(snd_keys.chain_key), std::move(state.nhk_s)};
    state.rcv = RcvRatchet{std::move(rcv_keys.chain_key), std::move(state.nhk_r)};
    state.pn = state.ns;
    state.ns = 0;
    state.nr = 0;
    state.nhk_s = std::move(snd_keys.next_header_key);
    state.nhk_r = std::move(rcv_keys.next_header_key);
    return skipped;
  }

  const Ratchet& rc_;
  const SkippedMsgKeys& skipped_;
  const EncRatchetMessage& msg_;
  const EncMessageHeader& header_;
  const KeyGenerator& keygen_;
};

}  // namespace

Result<PreparedEncrypt> rc_prepare(const Ratchet& rc, std::size_t padded_len,
                                   std::size_t msg_size) {
  if (!rc.snd) return make_error_code(errc::ratchet_state);
  if (msg_size + 2 > padded_len) return make_error_code(errc::crypto_large_msg);
  SMP_TRY(ChainKdfKeys k, chain_kdf(rc.snd->ck_s.view()));
  Bytes header =
      encode_msg_header(MsgHeader{rc.version.max(), rc.dh_rs.public_key(), rc.pn, rc.ns});
  SMP_TRY(crypto::AeadCiphertext enc_header,
          crypto::encrypt_aead(rc.snd->hk_s.view(), k.header_iv.view(), kPaddedHeaderLen, rc.ad,
                               header));
  enc::Writer hw(kEncMessageHeaderLen + 1);
  hw.u8(0);  // the length, set below
  write_enc_message_header(hw, rc.version.min(), k.header_iv.view(), enc_header.tag,
                           enc_header.ciphertext);
  SMP_TRY(Bytes short_header, std::move(hw).finish());
  if (short_header.size() - 1 > 255) return make_error_code(errc::value_too_large);
  short_header[0] = static_cast<std::uint8_t>(short_header.size() - 1);

  Ratchet state = rc.clone();
  state.snd->ck_s = std::move(k.chain_key);
  state.ns += 1;
  return PreparedEncrypt{RatchetBodyKeys{std::move(short_header), std::move(k.message_key),
                                         std::move(k.message_iv), rc.ad, padded_len},
                         std::move(state)};
}

Result<Bytes> rc_seal(const RatchetBodyKeys& keys, ByteView msg) {
  if (msg.size() + 2 > keys.padded_len) return make_error_code(errc::crypto_large_msg);
  if (keys.header.empty()) return make_error_code(errc::crypto_header);
  // short(EncMessageHeader) ‖ body tag ‖ body, the body encrypted in place.
  const ByteView em_header = ByteView(keys.header).subspan(1);
  const std::size_t body_at = keys.header.size() + crypto::kAuthTagSize;
  Bytes out;
  out.reserve(body_at + keys.padded_len);
  append(out, keys.header);
  out.resize(body_at + keys.padded_len);  // the tag and the body are written below
  SMP_TRY(crypto::AuthTag tag,
          crypto::encrypt_aead_into(keys.message_key.view(), keys.message_iv.view(),
                                    concat(keys.ad, em_header), msg,
                                    std::span<std::uint8_t>(out).subspan(body_at)));
  std::copy(tag.begin(), tag.end(), out.begin() + static_cast<std::ptrdiff_t>(keys.header.size()));
  return out;
}

Result<EncryptResult> rc_encrypt(const Ratchet& rc, std::size_t padded_len, ByteView msg) {
  SMP_TRY(PreparedEncrypt p, rc_prepare(rc, padded_len, msg.size()));
  SMP_TRY(Bytes message, rc_seal(p.keys, msg));
  return EncryptResult{std::move(message), std::move(p.state)};
}

Result<DecryptResult> rc_decrypt(const Ratchet& rc, const SkippedMsgKeys& skipped, ByteView msg,
                                 const KeyGenerator& keygen) {
  auto parsed = decode_enc_ratchet_message(msg);
  if (!parsed) return make_error_code(errc::crypto_header);
  auto header = decode_enc_message_header(parsed.value().header);
  if (!header) return make_error_code(errc::crypto_header);
  return Decryption(rc, skipped, parsed.value(), header.value(), keygen).run();
}

}  // namespace smp::agent
