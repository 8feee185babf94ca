#include "smp/crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "smp/common/try.h"
#include "smp/crypto/openssl_handles.h"

namespace smp::crypto {
namespace {

// Fetched once; the one reference is held for the life of the process.
EVP_KDF* hkdf_kdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  return kdf;
}

// OSSL_PARAM wants non-const pointers for inputs it only reads, and OpenSSL 3.0 refuses an
// octet string whose pointer is null even when its size is zero.
void* param_data(ByteView b) {
  static constexpr std::uint8_t kEmpty[1] = {};
  return const_cast<std::uint8_t*>(b.empty() ? kEmpty : b.data());
}

constexpr std::size_t kMaxHkdfSha512Length = 255 * 64;

}  // namespace

Result<SecretBytes> hkdf_sha512(ByteView salt, ByteView ikm, ByteView info, std::size_t length) {
  if (length == 0 || length > kMaxHkdfSha512Length) return make_error_code(errc::crypto_failure);
  EVP_KDF* kdf = hkdf_kdf();
  if (!kdf) return make_error_code(consume_openssl_error());
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return make_error_code(consume_openssl_error());

  // An empty salt leaves OpenSSL's salt unset, which HKDF-Extract treats as the empty HMAC
  // key — what the reference computes for an empty salt.
  static constexpr char kDigest[] = "SHA512";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(kDigest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, param_data(ikm), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, param_data(salt), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, param_data(info), info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return make_error_code(consume_openssl_error());
  }
  return out;
}

Result<Hkdf3Keys> hkdf3(ByteView salt, ByteView ikm, ByteView info) {
  SMP_TRY(SecretBytes okm, hkdf_sha512(salt, ikm, info, 3 * kHkdf3PartSize));
  ByteView all = okm.view();
  return Hkdf3Keys{SecretBytes(all.first(kHkdf3PartSize)),
                   SecretBytes(all.subspan(kHkdf3PartSize, kHkdf3PartSize)),
                   SecretBytes(all.subspan(2 * kHkdf3PartSize))};
}

}  // namespace smp::crypto
