#include "smp/encoding/key_string.h"

#include <array>

#include "smp/common/try.h"
#include "smp/encoding/base64.h"

namespace smp::enc {

std::string str_encode(const crypto::PublicKey& key) {
  return b64url_encode(crypto::encode_public_key_der(key));
}

void str_encode_append(std::string& out, const crypto::PublicKey& key) {
  std::array<std::uint8_t, crypto::kMaxPublicKeyDerSize> der;
  std::size_t n = crypto::encode_public_key_der_to(key, der);
  b64url_encode_append(out, ByteView(der.data(), n));
}

Result<crypto::PublicKey> parse_public_key(std::string_view& in, crypto::AlgorithmSet allowed) {
  std::string_view rest = in;
  std::array<std::uint8_t, crypto::kMaxPublicKeyDerSize> der;
  SMP_TRY(std::size_t n, parse_b64url_token_into(rest, der));
  // Longer than any key's DER: no key matches it.
  if (n > der.size()) return make_error_code(errc::bad_der);
  SMP_TRY(crypto::PublicKey key, crypto::decode_public_key_der(ByteView(der.data(), n), allowed));
  in = rest;
  return key;
}

Result<crypto::PublicKey> decode_public_key_str(std::string_view text,
                                                crypto::AlgorithmSet allowed) {
  SMP_TRY(crypto::PublicKey key, parse_public_key(text, allowed));
  if (!text.empty()) return make_error_code(errc::trailing_bytes);
  return key;
}

}  // namespace smp::enc
