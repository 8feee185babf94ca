// E2E ratchet parameters (spec §2.9.1): a version and two X448 public keys that each party
// offers for X3DH. Binary form (in the sender's confirmation):
//   u16(version) ‖ short(SPKI key1) ‖ short(SPKI key2)            -- 140 bytes for X448
// URI form (in an invitation; a version range instead of a version), rendered unescaped:
//   v=<range>&x3dh=<b64u(SPKI key1)>,<b64u(SPKI key2)>
// Plain value types and pure functions; thread-safe. generate_e2e_params calls the generator
// on the caller's thread and hands both private keys to the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smp/agent/ratchet_keygen.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"

namespace smp::agent {

// The ratchet version this implementation speaks (the reference's e2eEncryptVersion).
inline constexpr enc::Version kE2eEncryptVersion = 1;
inline constexpr enc::VersionRange kE2eEncryptVRange =
    enc::VersionRange::single(kE2eEncryptVersion);

// Copyable value type.
struct E2ERatchetParams {
  enc::Version version;
  crypto::PublicKey key1;
  crypto::PublicKey key2;
  friend bool operator==(const E2ERatchetParams&, const E2ERatchetParams&) = default;
};

// Copyable value type.
struct E2ERatchetParamsUri {
  enc::VersionRange versions;
  crypto::PublicKey key1;
  crypto::PublicKey key2;
  friend bool operator==(const E2ERatchetParamsUri&, const E2ERatchetParamsUri&) = default;
};

void write_e2e_params(enc::Writer& w, const E2ERatchetParams& params);
// Both keys must be X448 (errc::wrong_algorithm); nullopt on any error set on the reader.
std::optional<E2ERatchetParams> read_e2e_params(enc::Reader& r);
Bytes encode_e2e_params(const E2ERatchetParams& params);
// The whole input must be one value (errc::trailing_bytes otherwise).
Result<E2ERatchetParams> decode_e2e_params(ByteView in);

// "v=<range>&x3dh=<k1>,<k2>" (no escaping).
std::string str_encode(const E2ERatchetParamsUri& params);
// The query text (up to ' ' or '\n') must be the whole input, have v and x3dh, and x3dh exactly
// two X448 keys separated by ','; errc::bad_uri otherwise. Percent-escaped text is accepted.
Result<E2ERatchetParamsUri> decode_e2e_params_uri(std::string_view text);

// The URI form offering `versions` (the reference's toVersionRangeT).
E2ERatchetParamsUri to_uri(const E2ERatchetParams& params, enc::VersionRange versions);
// The parameters at the highest version both ranges share, or nullopt when they do not overlap
// (the reference's compatibleVersion).
std::optional<E2ERatchetParams> compatible_params(const E2ERatchetParamsUri& offered,
                                                  enc::VersionRange ours);

// Two fresh key pairs from `keygen`; the public keys go into params (the first pair's as
// key1), the private keys stay with the caller.
struct E2EParamsKeys {
  crypto::PrivateKey private_key1;
  crypto::PrivateKey private_key2;
  E2ERatchetParams params;
};
E2EParamsKeys generate_e2e_params(enc::Version version, const KeyGenerator& keygen);

}  // namespace smp::agent
