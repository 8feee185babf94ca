#include "smp/agent/ratchet_kdf.h"

#include "smp/common/try.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hkdf.h"

namespace smp::agent {

Result<RootKdfKeys> root_kdf(ByteView root_key, const crypto::PublicKey& theirs,
                             const crypto::PrivateKey& ours) {
  SMP_TRY(SecretBytes dh_out, crypto::dh(theirs, ours));
  SMP_TRY(crypto::Hkdf3Keys keys,
          crypto::hkdf3(root_key, dh_out.view(), as_bytes(crypto::kRootRatchetInfo)));
  return RootKdfKeys{std::move(keys.first), std::move(keys.second), std::move(keys.third)};
}

Result<ChainKdfKeys> chain_kdf(ByteView chain_key) {
  SMP_TRY(crypto::Hkdf3Keys keys,
          crypto::hkdf3({}, chain_key, as_bytes(crypto::kChainRatchetInfo)));
  ByteView ivs = keys.third.view();
  return ChainKdfKeys{std::move(keys.first), std::move(keys.second),
                      SecretBytes(ivs.first(kRatchetIvSize)),
                      SecretBytes(ivs.subspan(kRatchetIvSize, kRatchetIvSize))};
}

}  // namespace smp::agent
