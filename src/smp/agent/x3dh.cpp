#include "smp/agent/x3dh.h"

#include <algorithm>

#include "smp/common/try.h"
#include "smp/crypto/dh.h"

namespace smp::agent {
namespace {

// snd1 = B1 and rcv1 = A1 (public); dh1..dh3 as in the header.
Result<RatchetInitParams> x3dh(const crypto::PublicKey& snd1, const crypto::PublicKey& rcv1,
                               const SecretBytes& dh1, const SecretBytes& dh2,
                               const SecretBytes& dh3) {
  const std::size_t total = dh1.size() + dh2.size() + dh3.size();
  if (total <= 2 * kHeaderKeySize) return make_error_code(errc::crypto_failure);
  SecretBytes material(total);
  std::uint8_t* out = material.data();
  for (const SecretBytes* part : {&dh1, &dh2, &dh3}) {
    std::copy(part->view().begin(), part->view().end(), out);
    out += part->size();
  }
  ByteView all = material.view();
  RatchetInitParams params{{},
                           SecretBytes(all.subspan(2 * kHeaderKeySize)),
                           SecretBytes(all.first(kHeaderKeySize)),
                           SecretBytes(all.subspan(kHeaderKeySize, kHeaderKeySize))};
  params.assoc_data.reserve(snd1.raw().size() + rcv1.raw().size());
  append(params.assoc_data, snd1.raw());
  append(params.assoc_data, rcv1.raw());
  return params;
}

}  // namespace

Result<RatchetInitParams> x3dh_snd(const crypto::PrivateKey& own1, const crypto::PrivateKey& own2,
                                   const E2ERatchetParams& peer) {
  SMP_TRY(SecretBytes dh1, crypto::dh(peer.key1, own2));
  SMP_TRY(SecretBytes dh2, crypto::dh(peer.key2, own1));
  SMP_TRY(SecretBytes dh3, crypto::dh(peer.key2, own2));
  return x3dh(own1.public_key(), peer.key1, dh1, dh2, dh3);
}

Result<RatchetInitParams> x3dh_rcv(const crypto::PrivateKey& own1, const crypto::PrivateKey& own2,
                                   const E2ERatchetParams& peer) {
  SMP_TRY(SecretBytes dh1, crypto::dh(peer.key2, own1));
  SMP_TRY(SecretBytes dh2, crypto::dh(peer.key1, own2));
  SMP_TRY(SecretBytes dh3, crypto::dh(peer.key2, own2));
  return x3dh(peer.key1, own1.public_key(), dh1, dh2, dh3);
}

}  // namespace smp::agent
