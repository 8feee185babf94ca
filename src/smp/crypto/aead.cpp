#include "smp/crypto/aead.h"

#include <openssl/evp.h>

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "smp/common/try.h"
#include "smp/crypto/openssl_handles.h"
#include "smp/crypto/padded_buffer.h"
#include "smp/encoding/padding.h"

namespace smp::crypto {
namespace {

// Fetched once: EVP_aes_256_gcm() would repeat the provider lookup on every init. The one
// reference is held for the life of the process (any thread may still be using it at exit).
const EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

bool fits_int(std::size_t n) {
  return n <= static_cast<std::size_t>(std::numeric_limits<int>::max());
}

// Initialises ctx for GCM with a 16-byte IV. The IV length must be set before the IV
// itself, or OpenSSL would take its first 12 bytes (spec §2.7).
bool init_gcm(EVP_CIPHER_CTX* ctx, bool encrypt, ByteView key, ByteView iv) {
  const EVP_CIPHER* cipher = aes_256_gcm();
  int enc = encrypt ? 1 : 0;
  return cipher && EVP_CipherInit_ex(ctx, cipher, nullptr, nullptr, nullptr, enc) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kGcmIvSize),
                             nullptr) == 1 &&
         EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), iv.data(), enc) == 1;
}

bool update(EVP_CIPHER_CTX* ctx, std::uint8_t* out, ByteView in) {
  if (in.empty()) return true;
  int len = 0;
  return fits_int(in.size()) &&
         EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(in.size())) == 1 &&
         static_cast<std::size_t>(len) == in.size();
}

bool check_sizes(ByteView key, ByteView iv) {
  return key.size() == kAesKeySize && iv.size() == kGcmIvSize;
}

// GCM-encrypts the pieces in order (each piece's output pointer may equal its input) and
// returns the tag.
struct Piece {
  std::uint8_t* out;
  ByteView in;
};

Result<AuthTag> gcm_seal(ByteView key, ByteView iv, ByteView ad,
                         std::initializer_list<Piece> pieces) {
  if (!check_sizes(key, iv)) return make_error_code(errc::bad_key_size);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || !init_gcm(ctx.get(), true, key, iv) || !update(ctx.get(), nullptr, ad)) {
    return make_error_code(consume_openssl_error());
  }
  for (const Piece& p : pieces) {
    if (!update(ctx.get(), p.out, p.in)) return make_error_code(consume_openssl_error());
  }
  AuthTag tag;
  std::array<std::uint8_t, 16> final_block{};  // GCM's final step writes nothing
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), final_block.data(), &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                          tag.data()) != 1) {
    return make_error_code(consume_openssl_error());
  }
  return tag;
}

}  // namespace

Result<AuthTag> encrypt_aead_into(ByteView key, ByteView iv, ByteView ad, ByteView msg,
                                  std::span<std::uint8_t> out) {
  if (!check_sizes(key, iv)) return make_error_code(errc::bad_key_size);
  if (!detail::fits_padded(msg.size(), out.size())) return make_error_code(errc::crypto_large_msg);
  // pad(msg) is encrypted in three pieces so the message is read once, straight into its
  // ciphertext, rather than copied into a padded buffer first: the first AES block (length
  // word and start of the message) from the stack; the whole blocks of the message that
  // follow, from msg; the message's last partial block and the '#' fill, placed in out and
  // encrypted in place. Every piece but the last is a whole number of blocks, which keeps
  // OpenSSL on its bulk path.
  constexpr std::size_t kBlock = 16;
  const std::size_t first_len = std::min(kBlock, out.size());
  const std::size_t msg_in_first = std::min(first_len - 2, msg.size());
  std::array<std::uint8_t, kBlock> first;
  first[0] = static_cast<std::uint8_t>(msg.size() >> 8);
  first[1] = static_cast<std::uint8_t>(msg.size());
  std::copy_n(msg.begin(), msg_in_first, first.begin() + 2);
  std::fill(first.begin() + 2 + static_cast<std::ptrdiff_t>(msg_in_first), first.end(),
            enc::kPadByte);

  ByteView rest = msg.subspan(msg_in_first);
  const std::size_t bulk = rest.size() / kBlock * kBlock;
  std::span<std::uint8_t> tail = out.subspan(first_len + bulk);
  auto tail_end = std::copy(rest.begin() + static_cast<std::ptrdiff_t>(bulk), rest.end(),
                            tail.begin());
  std::fill(tail_end, tail.end(), enc::kPadByte);

  return gcm_seal(key, iv, ad,
                  {{out.data(), ByteView(first.data(), first_len)},
                   {out.data() + first_len, rest.first(bulk)},
                   {tail.data(), tail}});
}

Result<AeadCiphertext> encrypt_aead(ByteView key, ByteView iv, std::size_t padded_len,
                                    ByteView ad, ByteView msg) {
  if (!check_sizes(key, iv)) return make_error_code(errc::bad_key_size);
  AeadCiphertext result;
  SMP_TRY_VOID(detail::append_padded(result.ciphertext, msg, padded_len));
  // One in-place pass over the freshly written padded plaintext.
  SMP_TRY(result.tag, gcm_seal(key, iv, ad, {{result.ciphertext.data(), result.ciphertext}}));
  return result;
}

Result<Bytes> decrypt_aead(ByteView key, ByteView iv, ByteView ad, ByteView ciphertext,
                           ByteView tag) {
  if (!check_sizes(key, iv)) return make_error_code(errc::bad_key_size);
  if (tag.size() != kAuthTagSize) return make_error_code(errc::aes_decrypt);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  // The length word goes to a small buffer and the rest straight into the result, so the
  // unpadded message needs no second copy. Nothing is returned before the tag is checked.
  std::size_t head_len = std::min<std::size_t>(2, ciphertext.size());
  std::array<std::uint8_t, 2> head{};
  Bytes plain(ciphertext.size() - head_len);
  std::array<std::uint8_t, 16> final_block{};  // GCM's final step writes nothing
  int final_len = 0;
  if (!ctx || !init_gcm(ctx.get(), false, key, iv) || !update(ctx.get(), nullptr, ad) ||
      !update(ctx.get(), head.data(), ciphertext.first(head_len)) ||
      !update(ctx.get(), plain.data(), ciphertext.subspan(head_len)) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return make_error_code(consume_openssl_error());
  }
  if (EVP_DecryptFinal_ex(ctx.get(), final_block.data(), &final_len) != 1) {
    secure_wipe(plain.data(), plain.size());
    return make_error_code(consume_openssl_error(errc::aes_decrypt));
  }
  std::size_t len = (static_cast<std::size_t>(head[0]) << 8) | head[1];
  if (head_len < 2 || len > plain.size()) return make_error_code(errc::crypto_large_msg);
  plain.resize(len);
  return plain;
}

}  // namespace smp::crypto
