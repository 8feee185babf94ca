// Public keys in text (spec §1.2): base64url of the X.509 SubjectPublicKeyInfo DER, padded.
// Parsing is the reference's `strP` for keys: the base64url token scanner, then a strict DER
// decode restricted to the allowed algorithms. (The reference's whole-text `strDecode` for keys
// skips the base64 step and so never succeeds; nothing on the wire depends on it, and
// decode_public_key_str follows `parseAll strP` instead.) Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"

namespace smp::crypto {

std::string str_encode(const PublicKey& key);
// The same text appended to `out`.
void str_encode_append(std::string& out, const PublicKey& key);

// From the front of `in`; errc::bad_base64, bad_der or wrong_algorithm; `in` unchanged on error.
Result<PublicKey> parse_public_key(std::string_view& in, AlgorithmSet allowed);
// The whole text must be one key (errc::trailing_bytes otherwise).
Result<PublicKey> decode_public_key_str(std::string_view text, AlgorithmSet allowed);

}  // namespace smp::crypto
