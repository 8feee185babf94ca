#include "smp/crypto/key_string.h"

#include <array>

#include "smp/common/try.h"
#include "smp/encoding/base64.h"

namespace smp::crypto {

std::string str_encode(const PublicKey& key) {
  return enc::b64url_encode(encode_public_key_der(key));
}

void str_encode_append(std::string& out, const PublicKey& key) {
  std::array<std::uint8_t, kMaxPublicKeyDerSize> der;
  std::size_t n = encode_public_key_der_to(key, der);
  enc::b64url_encode_append(out, ByteView(der.data(), n));
}

Result<PublicKey> parse_public_key(std::string_view& in, AlgorithmSet allowed) {
  std::string_view rest = in;
  std::array<std::uint8_t, kMaxPublicKeyDerSize> der;
  SMP_TRY(std::size_t n, enc::parse_b64url_token_into(rest, der));
  // Longer than any key's DER: no key matches it.
  if (n > der.size()) return make_error_code(errc::bad_der);
  SMP_TRY(PublicKey key, decode_public_key_der(ByteView(der.data(), n), allowed));
  in = rest;
  return key;
}

Result<PublicKey> decode_public_key_str(std::string_view text,
                                                AlgorithmSet allowed) {
  SMP_TRY(PublicKey key, parse_public_key(text, allowed));
  if (!text.empty()) return make_error_code(errc::trailing_bytes);
  return key;
}

}  // namespace smp::crypto
