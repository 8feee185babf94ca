#include "smp/encoding/key_string.h"

#include "smp/common/try.h"
#include "smp/encoding/base64.h"

namespace smp::enc {

std::string str_encode(const crypto::PublicKey& key) {
  return b64url_encode(crypto::encode_public_key_der(key));
}

Result<crypto::PublicKey> parse_public_key(std::string_view& in, crypto::AlgorithmSet allowed) {
  std::string_view rest = in;
  SMP_TRY(Bytes der, parse_b64url_token(rest));
  SMP_TRY(crypto::PublicKey key, crypto::decode_public_key_der(der, allowed));
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
