// SecretArray<N>: a fixed-size secret held inline (no heap), for hot-path keys such as the
// precomputed crypto_box key. Move-only; wiped with sodium_memzero (via secure_wipe) on
// destruction and on move-from. Not thread-safe; immutable use from many threads is fine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "smp/common/bytes.h"

namespace smp::crypto {

template <std::size_t N>
class SecretArray {
 public:
  SecretArray() = default;
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  SecretArray(SecretArray&& o) noexcept : bytes_(o.bytes_) { o.wipe(); }
  SecretArray& operator=(SecretArray&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      o.wipe();
    }
    return *this;
  }
  ~SecretArray() { wipe(); }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  ByteView view() const { return ByteView(bytes_.data(), N); }

 private:
  void wipe() noexcept { secure_wipe(bytes_.data(), N); }
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace smp::crypto
