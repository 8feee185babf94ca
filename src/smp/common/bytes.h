// Byte containers shared by every layer.
//
// Bytes owns a byte string; ByteView borrows one (the viewed storage must outlive the view,
// as with leveldb's Slice). SecretBytes owns key material and wipes it on destruction and on
// move-from. All types here are not thread-safe value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smp {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return Bytes(v.begin(), v.end());
}
inline Bytes to_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }
inline std::string to_string(ByteView b) { return std::string(as_chars(b)); }

inline void append(Bytes& out, ByteView more) { out.insert(out.end(), more.begin(), more.end()); }

// Lowercase hex, for tests, vectors and debug output (never for secrets at info level).
std::string to_hex(ByteView b);
// Accepts upper or lower case; returns false on odd length or a non-hex character.
bool from_hex(std::string_view hex, Bytes& out);

// Zeroes memory in a way the optimiser cannot remove.
void secure_wipe(void* p, std::size_t n) noexcept;

// Owns secret bytes (private keys, DH secrets, chain keys). Move-only; wiped when destroyed.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView b) : data_(b.begin(), b.end()) {}
  explicit SecretBytes(std::size_t n) : data_(n) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      wipe();
      data_ = std::move(o.data_);
      o.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { wipe(); }

  SecretBytes clone() const { return SecretBytes(view()); }
  ByteView view() const { return data_; }
  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

 private:
  void wipe() noexcept {
    if (!data_.empty()) secure_wipe(data_.data(), data_.size());
  }
  std::vector<std::uint8_t> data_;
};

// Constant-time equality for MACs, tags, key hashes and other secrets.
bool constant_time_equal(ByteView a, ByteView b) noexcept;

}  // namespace smp
