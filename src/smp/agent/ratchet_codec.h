// Storage forms of a ratchet state and of its skipped message keys: our own binary formats
// (the reference stores JSON), each led by a format byte so later versions can change them.
//
// Ratchet, format 1:
//   u8 1 ‖ u16 min version ‖ u16 max version ‖ short(AD)
//   ‖ short(PKCS#8 DER of DHRs) ‖ short(RK)
//   ‖ ('0' | '1' ‖ short(SPKI DHRr) ‖ short(CKs) ‖ short(HKs))   -- sending chain
//   ‖ ('0' | '1' ‖ short(CKr) ‖ short(HKr))                      -- receiving chain
//   ‖ u32 Ns ‖ u32 Nr ‖ u32 PN ‖ short(NHKs) ‖ short(NHKr)
// Skipped keys, format 1 (header keys and message numbers strictly ascending):
//   u8 1 ‖ u32 header key count
//   ‖ { short(HK) ‖ u32 key count ‖ { u32 msg_n ‖ short(MK) ‖ short(IV) } }
// Body keys of a queued message (RatchetBodyKeys), format 1:
//   u8 1 ‖ u16 padded length ‖ short(short(EncMessageHeader)) ‖ short(MK) ‖ short(IV) ‖ short(AD)
// Encodings hold secrets and are returned as SecretBytes. Decoders are strict (every error of
// enc::Reader, plus errc::bad_tag for an unknown format byte, errc::bad_key_size for a key of
// the wrong length, errc::wrong_algorithm for mixed key algorithms, errc::bad_syntax for keys
// out of order) and decode(encode(x)) == x. Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "smp/agent/ratchet.h"
#include "smp/agent/ratchet_skipped.h"
#include "smp/agent/ratchet_state.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::agent {

inline constexpr std::uint8_t kRatchetFormat = 1;
inline constexpr std::uint8_t kSkippedKeysFormat = 1;
inline constexpr std::uint8_t kBodyKeysFormat = 1;

// errc::value_too_large only for fields over 255 bytes, which no ratchet operation makes.
Result<SecretBytes> encode_ratchet(const Ratchet& rc);
Result<Ratchet> decode_ratchet(ByteView in);

Result<SecretBytes> encode_skipped_keys(const SkippedMsgKeys& keys);
Result<SkippedMsgKeys> decode_skipped_keys(ByteView in);

// errc::value_too_large for a padded length over 65535.
Result<SecretBytes> encode_body_keys(const RatchetBodyKeys& keys);
Result<RatchetBodyKeys> decode_body_keys(ByteView in);

}  // namespace smp::agent
