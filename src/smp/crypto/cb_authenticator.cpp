#include "smp/crypto/cb_authenticator.h"

#include "smp/common/try.h"
#include "smp/crypto/hash.h"

namespace smp::crypto {

Result<CbAuthenticator> cb_authenticate(const PublicKey& theirs, const PrivateKey& ours,
                                        const CbNonce& nonce, ByteView prefix, ByteView msg) {
  SMP_TRY(CbKey key, CbKey::from_keys(theirs, ours));
  Sha512Digest digest = sha512(prefix, msg);
  CbAuthenticator out{};
  key.seal_no_pad(nonce, digest, out);
  return out;
}

bool cb_verify(const PublicKey& theirs, const PrivateKey& ours, const CbNonce& nonce,
               ByteView authenticator, ByteView prefix, ByteView msg) {
  if (authenticator.size() != kCbAuthenticatorSize) return false;
  auto key = CbKey::from_keys(theirs, ours);
  if (!key) return false;
  Sha512Digest opened{};
  if (!key->open_no_pad(nonce, authenticator, opened)) return false;
  Sha512Digest digest = sha512(prefix, msg);
  const bool ok = constant_time_equal(opened, digest);
  secure_wipe(opened.data(), opened.size());
  return ok;
}

}  // namespace smp::crypto
