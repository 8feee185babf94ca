#include "smp/agent/ratchet_codec.h"

#include "smp/agent/ratchet_internal.h"
#include "smp/agent/ratchet_kdf.h"
#include "smp/crypto/aead.h"
#include "smp/crypto/dh.h"
#include "smp/encoding/binary.h"

namespace smp::agent {
namespace {

constexpr crypto::AlgorithmSet kRatchetAlgorithms{crypto::KeyAlgorithm::x25519,
                                                  crypto::KeyAlgorithm::x448};

// A 32-byte chain or header key.
SecretBytes read_key(enc::Reader& r) {
  ByteView key = r.short_bytes();
  if (r.ok() && key.size() != kRatchetKeySize) r.fail(errc::bad_key_size);
  return r.ok() ? SecretBytes(key) : SecretBytes();
}

// The root key is the X3DH secret (3 DH outputs less two header keys) until the first DH
// step, and a KDF output after it.
bool valid_root_key_size(crypto::KeyAlgorithm alg, std::size_t n) {
  std::size_t dh =
      alg == crypto::KeyAlgorithm::x448 ? crypto::kX448SecretSize : crypto::kX25519SecretSize;
  return n == kRatchetKeySize || n == 3 * dh - 2 * kHeaderKeySize;
}

std::size_t short_size(ByteView b) { return 1 + b.size(); }

}  // namespace

Result<SecretBytes> encode_ratchet(const Ratchet& rc) {
  SecretBytes dh_rs = crypto::encode_private_key_der(rc.dh_rs);
  std::size_t size = 1 + 4 + short_size(rc.ad) + short_size(dh_rs.view()) +
                     short_size(rc.rk.view()) + 2 + 12 + short_size(rc.nhk_s.view()) +
                     short_size(rc.nhk_r.view());
  if (rc.snd)
    size += 1 + crypto::kMaxPublicKeySize + 12 + short_size(rc.snd->ck_s.view()) +
            short_size(rc.snd->hk_s.view());
  if (rc.rcv) size += short_size(rc.rcv->ck_r.view()) + short_size(rc.rcv->hk_r.view());
  enc::Writer w(size);
  w.u8(kRatchetFormat);
  enc::write_version_range(w, rc.version);
  w.short_bytes(rc.ad).short_bytes(dh_rs.view()).short_bytes(rc.rk.view());
  w.maybe_tag(rc.snd.has_value());
  if (rc.snd) {
    crypto::write_public_key(w, rc.snd->dh_rr);
    w.short_bytes(rc.snd->ck_s.view()).short_bytes(rc.snd->hk_s.view());
  }
  w.maybe_tag(rc.rcv.has_value());
  if (rc.rcv) w.short_bytes(rc.rcv->ck_r.view()).short_bytes(rc.rcv->hk_r.view());
  w.u32(rc.ns).u32(rc.nr).u32(rc.pn);
  w.short_bytes(rc.nhk_s.view()).short_bytes(rc.nhk_r.view());
  return detail::finish_secret(std::move(w));
}

Result<Ratchet> decode_ratchet(ByteView in) {
  enc::Reader r(in);
  if (r.u8() != kRatchetFormat) r.fail(errc::bad_tag);
  auto version = enc::read_version_range(r);
  ByteView ad = r.short_bytes();
  ByteView dh_rs_der = r.short_bytes();
  if (!r.ok()) return make_error_code(r.error());
  auto dh_rs = crypto::decode_private_key_der(dh_rs_der, kRatchetAlgorithms);
  if (!dh_rs) return dh_rs.error();
  const crypto::KeyAlgorithm alg = dh_rs.value().algorithm();
  ByteView rk = r.short_bytes();
  if (r.ok() && !valid_root_key_size(alg, rk.size())) r.fail(errc::bad_key_size);

  std::optional<SndRatchet> snd;
  if (r.maybe_tag()) {
    auto dh_rr = crypto::read_public_key(r, crypto::AlgorithmSet{alg});
    SecretBytes ck_s = read_key(r);
    SecretBytes hk_s = read_key(r);
    if (r.ok()) snd = SndRatchet{*dh_rr, std::move(ck_s), std::move(hk_s)};
  }
  std::optional<RcvRatchet> rcv;
  if (r.maybe_tag()) {
    SecretBytes ck_r = read_key(r);
    SecretBytes hk_r = read_key(r);
    if (r.ok()) rcv = RcvRatchet{std::move(ck_r), std::move(hk_r)};
  }
  std::uint32_t ns = r.u32();
  std::uint32_t nr = r.u32();
  std::uint32_t pn = r.u32();
  SecretBytes nhk_s = read_key(r);
  SecretBytes nhk_r = read_key(r);
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return Ratchet{*version,
                 to_bytes(ad),
                 std::move(dh_rs).value(),
                 SecretBytes(rk),
                 std::move(snd),
                 std::move(rcv),
                 ns,
                 nr,
                 pn,
                 std::move(nhk_s),
                 std::move(nhk_r)};
}

Result<SecretBytes> encode_skipped_keys(const SkippedMsgKeys& keys) {
  std::size_t size = 1 + 4;
  for (const auto& [hk, mks] : keys) {
    size += short_size(hk.view()) + 4;
    for (const auto& [n, mk] : mks)
      size += 4 + short_size(mk.key.view()) + short_size(mk.iv.view());
  }
  enc::Writer w(size);
  w.u8(kSkippedKeysFormat);
  w.u32(static_cast<std::uint32_t>(keys.size()));
  for (const auto& [hk, mks] : keys) {
    w.short_bytes(hk.view()).u32(static_cast<std::uint32_t>(mks.size()));
    for (const auto& [n, mk] : mks) {
      w.u32(n);
      write_message_key(w, mk);
    }
  }
  return detail::finish_secret(std::move(w));
}

Result<SkippedMsgKeys> decode_skipped_keys(ByteView in) {
  enc::Reader r(in);
  if (r.u8() != kSkippedKeysFormat) r.fail(errc::bad_tag);
  SkippedMsgKeys keys;
  const std::uint32_t header_keys = r.u32();
  for (std::uint32_t i = 0; i < header_keys && r.ok(); ++i) {
    SecretBytes hk = read_key(r);
    if (r.ok() && !keys.empty() && !HeaderKeyLess{}(keys.rbegin()->first, hk))
      r.fail(errc::bad_syntax);
    SkippedHdrMsgKeys mks;
    const std::uint32_t count = r.u32();
    for (std::uint32_t j = 0; j < count && r.ok(); ++j) {
      std::uint32_t n = r.u32();
      auto mk = read_message_key(r);
      if (r.ok() && !mks.empty() && mks.rbegin()->first >= n) r.fail(errc::bad_syntax);
      if (r.ok()) mks.emplace_hint(mks.end(), n, std::move(*mk));
    }
    if (r.ok()) keys.emplace_hint(keys.end(), std::move(hk), std::move(mks));
  }
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return keys;
}

}  // namespace smp::agent

namespace smp::agent {

Result<SecretBytes> encode_body_keys(const RatchetBodyKeys& keys) {
  if (keys.padded_len > 0xffff) return make_error_code(errc::value_too_large);
  enc::Writer w(1 + 2 + short_size(keys.header) + 1 + short_size(keys.message_key.view()) +
                short_size(keys.message_iv.view()) + short_size(keys.ad));
  w.u8(kBodyKeysFormat).u16(static_cast<std::uint16_t>(keys.padded_len));
  w.short_bytes(keys.header).short_bytes(keys.message_key.view());
  w.short_bytes(keys.message_iv.view()).short_bytes(keys.ad);
  return detail::finish_secret(std::move(w));
}

Result<RatchetBodyKeys> decode_body_keys(ByteView in) {
  enc::Reader r(in);
  if (r.u8() != kBodyKeysFormat) r.fail(errc::bad_tag);
  const std::uint16_t padded_len = r.u16();
  ByteView header = r.short_bytes();
  // The header keeps its own length byte, which must agree.
  if (r.ok() && (header.empty() || std::size_t{header[0]} != header.size() - 1))
    r.fail(errc::bad_syntax);
  SecretBytes mk = read_key(r);
  ByteView iv = r.short_bytes();
  if (r.ok() && iv.size() != crypto::kGcmIvSize) r.fail(errc::bad_key_size);
  ByteView ad = r.short_bytes();
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return RatchetBodyKeys{Bytes(header.begin(), header.end()), std::move(mk), SecretBytes(iv),
                         Bytes(ad.begin(), ad.end()), padded_len};
}

}  // namespace smp::agent
