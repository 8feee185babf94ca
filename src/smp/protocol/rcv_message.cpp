#include "smp/protocol/rcv_message.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "smp/common/try.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/padding.h"

namespace smp::protocol {
namespace {

constexpr std::string_view kQuotaTag = "QUOTA";
constexpr std::size_t kTimestampSize = 8;

void put_i64(std::uint8_t* p, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(u >> (56 - 8 * i));
}

// Lays out pad(meta ‖ body, out.size() − 16) after the tag slot, then seals in place. The
// metadata is at most 16 bytes (MaxLenBS 16 in the reference), so no copy of the body is
// made beyond the one into the block.
Result<void> seal_parts(const crypto::CbKey& key, const crypto::CbNonce& nonce, ByteView meta,
                        ByteView body, std::span<std::uint8_t> out) {
  if (out.size() < crypto::kCbTagSize + 2) return make_error_code(errc::crypto_large_msg);
  const std::size_t padded = out.size() - crypto::kCbTagSize;
  const std::size_t len = meta.size() + body.size();
  if (!enc::fits_padded(len, padded)) return make_error_code(errc::crypto_large_msg);
  std::span<std::uint8_t> plain = out.subspan(crypto::kCbTagSize);
  plain[0] = static_cast<std::uint8_t>(len >> 8);
  plain[1] = static_cast<std::uint8_t>(len);
  std::copy(meta.begin(), meta.end(), plain.begin() + 2);
  std::copy(body.begin(), body.end(), plain.begin() + 2 + static_cast<std::ptrdiff_t>(meta.size()));
  std::fill(plain.begin() + 2 + static_cast<std::ptrdiff_t>(len), plain.end(), enc::kPadByte);
  // seal_no_pad writes tag ‖ ciphertext over out; its input may alias the ciphertext part.
  key.seal_no_pad(nonce, plain, out);
  return {};
}

}  // namespace

Result<void> seal_rcv_message(SmpVersion v, const crypto::CbKey& key, ByteView msg_id,
                              const RcvMessage& m, std::span<std::uint8_t> out) {
  if (out.size() != sealed_message_size(v)) return make_error_code(errc::crypto_large_msg);
  const crypto::CbNonce nonce = crypto::cb_nonce(msg_id);
  if (v == kSmpV1) {
    if (m.quota) return make_error_code(errc::bad_tag);
    return seal_parts(key, nonce, {}, m.body, out);
  }
  std::array<std::uint8_t, 16> meta{};
  std::size_t n = 0;
  if (m.quota) {
    std::copy(kQuotaTag.begin(), kQuotaTag.end(), meta.begin());
    meta[kQuotaTag.size()] = ' ';
    put_i64(meta.data() + kQuotaTag.size() + 1, m.timestamp);
    return seal_parts(key, nonce, ByteView(meta.data(), kQuotaTag.size() + 1 + kTimestampSize),
                      {}, out);
  }
  put_i64(meta.data(), m.timestamp);
  n = kTimestampSize;
  meta[n++] = m.notification ? 'T' : 'F';
  meta[n++] = ' ';
  return seal_parts(key, nonce, ByteView(meta.data(), n), m.body, out);
}

Result<RcvMessage> open_rcv_message(const crypto::CbKey& key, ByteView msg_id, ByteView sealed,
                                    Bytes& plain) {
  if (sealed.size() < crypto::kCbTagSize) return make_error_code(errc::cb_decrypt);
  plain.resize(sealed.size() - crypto::kCbTagSize);
  SMP_TRY_VOID(key.open_no_pad(crypto::cb_nonce(msg_id), sealed, plain));
  SMP_TRY(ByteView content, enc::unpad(plain));
  enc::Reader r(content);
  RcvMessage m;
  if (as_chars(content).starts_with(kQuotaTag)) {
    r.take(kQuotaTag.size());
    r.expect(" ");
    m.quota = true;
    m.timestamp = r.i64();
    r.expect_end();
  } else {
    m.timestamp = r.i64();
    const char flag = r.ch();
    if (flag != 'T' && flag != 'F') r.fail(errc::bad_tag);
    m.notification = flag == 'T';
    // MsgFlags: anything up to the next space belongs to future flags.
    ByteView rest = r.rest();
    std::size_t skip = 0;
    while (skip < rest.size() && rest[skip] != ' ') ++skip;
    r.take(skip);
    r.expect(" ");
    m.body = r.tail();
  }
  if (!r.ok()) return make_error_code(errc::bad_syntax);
  return m;
}

Result<void> seal_ntf_meta(const crypto::CbKey& key, const crypto::CbNonce& nonce,
                           ByteView msg_id, std::int64_t ts, std::span<std::uint8_t> out) {
  if (out.size() != kSealedNtfMetaSize || msg_id.size() > enc::kMaxShortLength) {
    return make_error_code(errc::crypto_large_msg);
  }
  std::array<std::uint8_t, 1 + enc::kMaxShortLength + kTimestampSize> meta{};
  meta[0] = static_cast<std::uint8_t>(msg_id.size());
  std::copy(msg_id.begin(), msg_id.end(), meta.begin() + 1);
  put_i64(meta.data() + 1 + msg_id.size(), ts);
  return seal_parts(key, nonce, ByteView(meta.data(), 1 + msg_id.size() + kTimestampSize), {},
                    out);
}

Result<NtfMeta> open_ntf_meta(const crypto::CbKey& key, const crypto::CbNonce& nonce,
                              ByteView sealed) {
  SMP_TRY(Bytes content, key.decrypt(nonce, sealed));
  enc::Reader r(content);
  NtfMeta m;
  m.msg_id = to_bytes(r.short_bytes());
  m.timestamp = r.i64();
  if (!r.ok()) return make_error_code(errc::bad_syntax);
  return m;
}

}  // namespace smp::protocol
