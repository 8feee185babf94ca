#include "smp/crypto/hkdf.h"

#include <algorithm>
#include <array>

#include <sodium.h>

#include "smp/common/try.h"

namespace smp::crypto {
namespace {

constexpr std::size_t kHashSize = crypto_auth_hmacsha512_BYTES;  // 64
constexpr std::size_t kMaxHkdfSha512Length = 255 * kHashSize;

// libsodium's HMAC reads no key bytes when the length is zero, but give it a real address.
const unsigned char* key_data(ByteView b) {
  static constexpr unsigned char kEmpty[1] = {};
  return b.empty() ? kEmpty : b.data();
}

// Wipes the HMAC state and the intermediate keys on every path out.
struct HkdfScratch {
  crypto_auth_hmacsha512_state state;
  std::array<unsigned char, kHashSize> prk;
  std::array<unsigned char, kHashSize> block;
  ~HkdfScratch() { secure_wipe(this, sizeof(*this)); }
};

}  // namespace

Result<void> hkdf_sha512_into(ByteView salt, ByteView ikm, ByteView info,
                              std::span<std::uint8_t> out) {
  if (out.empty() || out.size() > kMaxHkdfSha512Length) {
    return make_error_code(errc::crypto_failure);
  }
  HkdfScratch s;
  // Extract: PRK = HMAC(salt, IKM). An empty salt is HMAC's empty key, which pads to the same
  // block as RFC 5869's HashLen zero bytes.
  crypto_auth_hmacsha512_init(&s.state, key_data(salt), salt.size());
  crypto_auth_hmacsha512_update(&s.state, ikm.data(), ikm.size());
  crypto_auth_hmacsha512_final(&s.state, s.prk.data());
  // Expand: T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i), T(0) empty.
  std::size_t done = 0;
  for (unsigned char counter = 1; done < out.size(); ++counter) {
    crypto_auth_hmacsha512_init(&s.state, s.prk.data(), s.prk.size());
    if (counter > 1) crypto_auth_hmacsha512_update(&s.state, s.block.data(), s.block.size());
    crypto_auth_hmacsha512_update(&s.state, info.data(), info.size());
    crypto_auth_hmacsha512_update(&s.state, &counter, 1);
    crypto_auth_hmacsha512_final(&s.state, s.block.data());
    std::size_t n = std::min(kHashSize, out.size() - done);
    std::copy_n(s.block.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(done));
    done += n;
  }
  return Result<void>{};
}

Result<SecretBytes> hkdf_sha512(ByteView salt, ByteView ikm, ByteView info, std::size_t length) {
  SecretBytes out(length);
  SMP_TRY_VOID(hkdf_sha512_into(salt, ikm, info, std::span<std::uint8_t>(out.data(), length)));
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
