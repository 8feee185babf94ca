// HKDF-SHA512 (spec §2.8, RFC 5869) and the reference's hkdf3: 96 bytes of output split into
// three 32-byte keys, as used by the double ratchet's root and chain KDFs. An empty salt is
// HMAC with an empty key (the same as RFC 5869's all-zero salt).
//
// Built on libsodium's HMAC-SHA512: no allocation and no state shared between threads (every
// block of SMP's block encryption takes one step; OpenSSL's EVP_KDF looked its digest up in
// shared tables on each call, which two server threads contended for). Pure; thread-safe;
// intermediate keys are wiped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::crypto {

inline constexpr std::string_view kRootRatchetInfo = "SimpleXRootRatchet";
inline constexpr std::string_view kChainRatchetInfo = "SimpleXChainRatchet";
inline constexpr std::size_t kHkdf3PartSize = 32;

// `length` bytes of HKDF-SHA512 output (at most 255 × 64); errc::crypto_failure otherwise.
Result<SecretBytes> hkdf_sha512(ByteView salt, ByteView ikm, ByteView info, std::size_t length);

// The same into `out` (1 to 255 × 64 bytes; errc::crypto_failure otherwise, `out` untouched).
Result<void> hkdf_sha512_into(ByteView salt, ByteView ikm, ByteView info,
                              std::span<std::uint8_t> out);

struct Hkdf3Keys {
  SecretBytes first;   // root KDF: new root key;     chain KDF: next chain key
  SecretBytes second;  // root KDF: chain key;        chain KDF: message key
  SecretBytes third;   // root KDF: next header key;  chain KDF: message IV ‖ header IV
};

Result<Hkdf3Keys> hkdf3(ByteView salt, ByteView ikm, ByteView info);

}  // namespace smp::crypto
