#include "smp/crypto/sign.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "smp/crypto/hash.h"
#include "smp/crypto/key_internal.h"
#include "smp/crypto/openssl_handles.h"

namespace smp::crypto {
namespace {

// Pure Ed448 with an empty context is OpenSSL's default for an ED448 key: no digest, no
// parameters, one-shot EVP_DigestSign/Verify.
Bytes sign_ed448(EVP_PKEY* pkey, ByteView message) {
  Bytes sig(kEd448SignatureSize);
  std::size_t len = sig.size();
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != kEd448SignatureSize) {
    consume_openssl_error();
    return {};
  }
  return sig;
}

bool verify_ed448(const PublicKey& key, ByteView signature, ByteView message) {
  EvpPkeyPtr pkey = detail::new_evp_public_key(key);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = pkey && ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  if (!ok) consume_openssl_error();
  return ok;
}

}  // namespace

Bytes sign(const PrivateKey& key, ByteView message) {
  switch (key.algorithm()) {
    case KeyAlgorithm::ed25519: {
      Bytes sig(kEd25519SignatureSize);
      crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                           detail::PrivateKeyAccess::secret(key).data());
      return sig;
    }
    case KeyAlgorithm::ed448:
      return sign_ed448(detail::PrivateKeyAccess::pkey(key), message);
    default:
      return {};
  }
}

bool verify(const PublicKey& key, ByteView signature, ByteView message) {
  if (!is_signature_algorithm(key.algorithm())) return false;
  if (signature.size() != signature_size(key.algorithm())) return false;
  if (key.algorithm() == KeyAlgorithm::ed25519) {
    ensure_initialized();
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                       key.raw().data()) == 0;
  }
  return verify_ed448(key, signature, message);
}

Result<std::optional<KeyAlgorithm>> signature_algorithm(std::size_t signature_length) {
  switch (signature_length) {
    case 0:
      return std::optional<KeyAlgorithm>();
    case kEd25519SignatureSize:
      return std::optional(KeyAlgorithm::ed25519);
    case kEd448SignatureSize:
      return std::optional(KeyAlgorithm::ed448);
    default:
      return make_error_code(errc::bad_signature_size);
  }
}

}  // namespace smp::crypto
