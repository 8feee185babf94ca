// Wire formats of the double ratchet's messages (spec §2.9.5):
//   MsgHeader         = u16(max version) ‖ short(SPKI DHRs) ‖ u32(PN) ‖ u32(Ns)
//                       -- 79 bytes for X448
//   EncMessageHeader  = u16(min version) ‖ header IV(16) ‖ header tag(16)
//                       ‖ short(encrypted MsgHeader padded to 88)  -- 123 bytes
//   EncRatchetMessage = short(EncMessageHeader) ‖ body tag(16) ‖ encrypted body (Tail)
// The decoders return views into their input (which must outlive them) and the precise
// encoding error; the ratchet reports all of them as errc::crypto_header. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/aead.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"

namespace smp::agent {

// The MsgHeader is padded to this length before encryption, leaving room for extensions.
inline constexpr std::size_t kPaddedHeaderLen = 88;
inline constexpr std::size_t kEncMessageHeaderLen =
    2 + crypto::kGcmIvSize + crypto::kAuthTagSize + 1 + kPaddedHeaderLen;  // 123
// An encrypted message is this many bytes plus the body's padded length (15856 → 15996).
inline constexpr std::size_t kRatchetMessageOverhead =
    1 + kEncMessageHeaderLen + crypto::kAuthTagSize;

// Copyable value type.
struct MsgHeader {
  enc::Version max_version;
  crypto::PublicKey dh_rs;  // the sender's current ratchet key
  std::uint32_t pn;
  std::uint32_t ns;
  friend bool operator==(const MsgHeader&, const MsgHeader&) = default;
};

void write_msg_header(enc::Writer& w, const MsgHeader& header);
Bytes encode_msg_header(const MsgHeader& header);
// Reads a header from the front of `in` and ignores what follows it (the reference parses the
// decrypted header non-strictly, so later versions may append fields). The key must be of an
// algorithm in `allowed` (errc::wrong_algorithm); errc::truncated, bad_der otherwise.
Result<MsgHeader> parse_msg_header(ByteView in, crypto::AlgorithmSet allowed);

// Views into the decoded input.
struct EncMessageHeader {
  enc::Version version;
  ByteView iv;    // 16 bytes
  ByteView tag;   // 16 bytes
  ByteView body;  // the encrypted, padded MsgHeader
};

struct EncRatchetMessage {
  ByteView header;  // the encoded EncMessageHeader (also part of the body's AD)
  ByteView tag;     // 16 bytes
  ByteView body;
};

void write_enc_message_header(enc::Writer& w, enc::Version version, ByteView iv, ByteView tag,
                              ByteView body);
// The whole input must be one header (errc::trailing_bytes otherwise).
Result<EncMessageHeader> decode_enc_message_header(ByteView in);
// The body is the rest of the input; errc::truncated when the header or tag is cut short.
Result<EncRatchetMessage> decode_enc_ratchet_message(ByteView in);

}  // namespace smp::agent
