#include "smp/crypto/dh.h"

#include <openssl/evp.h>
#include <sodium.h>

#include "smp/crypto/key_internal.h"
#include "smp/crypto/openssl_handles.h"

namespace smp::crypto {
namespace {

Result<SecretBytes> dh_x448(const PublicKey& theirs, const PrivateKey& ours) {
  EvpPkeyPtr peer = detail::new_evp_public_key(theirs);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(detail::PrivateKeyAccess::pkey(ours), nullptr));
  SecretBytes secret(kX448SecretSize);
  std::size_t len = secret.size();
  if (!peer || !ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != kX448SecretSize) {
    return make_error_code(consume_openssl_error());
  }
  return secret;
}

}  // namespace

Result<SecretBytes> dh(const PublicKey& theirs, const PrivateKey& ours) {
  if (theirs.algorithm() != ours.algorithm()) return make_error_code(errc::wrong_algorithm);
  switch (ours.algorithm()) {
    case KeyAlgorithm::x25519: {
      SecretBytes secret(kX25519SecretSize);
      if (crypto_scalarmult(secret.data(), detail::PrivateKeyAccess::secret(ours).data(),
                            theirs.raw().data()) != 0) {
        return make_error_code(errc::crypto_failure);
      }
      return secret;
    }
    case KeyAlgorithm::x448:
      return dh_x448(theirs, ours);
    default:
      return make_error_code(errc::wrong_algorithm);
  }
}

}  // namespace smp::crypto
