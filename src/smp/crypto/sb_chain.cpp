#include "smp/crypto/sb_chain.h"

#include <algorithm>

#include "smp/common/try.h"
#include "smp/crypto/hkdf.h"

namespace smp::crypto {

namespace {

constexpr std::size_t kStepOutput = kSbChainKeySize + kSbKeySize + kCbNonceSize;  // 88

void copy_into(ByteView from, std::uint8_t* to) { std::copy(from.begin(), from.end(), to); }

}  // namespace

Result<SbChainKey> SbChainKey::from_bytes(ByteView bytes) {
  if (bytes.size() != kSbChainKeySize) return make_error_code(errc::bad_key_size);
  SbChainKey k;
  copy_into(bytes, k.key_.data());
  return k;
}

Result<SbKeyNonce> SbChainKey::next() {
  SecretArray<kStepOutput> out;
  SMP_TRY_VOID(hkdf_sha512_into({}, key_.view(), as_bytes(kSbChainInfo),
                                std::span<std::uint8_t>(out.data(), out.size())));
  ByteView b = out.view();
  SbKeyNonce step;
  copy_into(b.first(kSbChainKeySize), key_.data());
  copy_into(b.subspan(kSbChainKeySize, kSbKeySize), step.key.data());
  copy_into(b.subspan(kSbChainKeySize + kSbKeySize), step.nonce.data());
  return step;
}

Result<SbChainKeys> sbc_init(ByteView salt, ByteView secret) {
  SMP_TRY(SecretBytes out,
          hkdf_sha512(salt, secret, as_bytes(kSbChainInitInfo), 2 * kSbChainKeySize));
  ByteView b = out.view();
  SMP_TRY(SbChainKey first, SbChainKey::from_bytes(b.first(kSbChainKeySize)));
  SMP_TRY(SbChainKey second, SbChainKey::from_bytes(b.subspan(kSbChainKeySize)));
  return SbChainKeys{std::move(first), std::move(second)};
}

}  // namespace smp::crypto
