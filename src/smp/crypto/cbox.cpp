#include "smp/crypto/cbox.h"

#include <algorithm>

#include <sodium.h>

#include "smp/common/try.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"
#include "smp/encoding/padding.h"

namespace smp::crypto {

static_assert(kCbKeySize == crypto_box_BEFORENMBYTES);
static_assert(kCbNonceSize == crypto_box_NONCEBYTES);
static_assert(kCbTagSize == crypto_box_MACBYTES);

CbNonce cb_nonce(ByteView bytes) {
  CbNonce nonce{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), nonce.size()), nonce.begin());
  return nonce;
}

CbNonce random_cb_nonce() {
  CbNonce nonce;
  random_bytes(nonce);
  return nonce;
}

Result<CbKey> CbKey::from_dh_secret(ByteView dh_secret) {
  if (dh_secret.size() != kCbSecretSize) return make_error_code(errc::bad_key_size);
  ensure_initialized();
  // crypto_box_beforenm minus its scalar multiplication: HSalsa20(secret, 16 zero bytes).
  static constexpr std::uint8_t kZero[16] = {};
  CbKey k;
  crypto_core_hsalsa20(k.key_.data(), kZero, dh_secret.data(), nullptr);
  return k;
}

Result<CbKey> CbKey::from_keys(const PublicKey& theirs, const PrivateKey& ours) {
  if (ours.algorithm() != KeyAlgorithm::x25519) return make_error_code(errc::wrong_algorithm);
  SMP_TRY(SecretBytes secret, dh(theirs, ours));
  return from_dh_secret(secret.view());
}

Result<void> CbKey::encrypt_into(const CbNonce& nonce, ByteView msg,
                                 std::span<std::uint8_t> out) const {
  if (out.size() < kCbTagSize) return make_error_code(errc::crypto_large_msg);
  std::span<std::uint8_t> body = out.subspan(kCbTagSize);
  SMP_TRY_VOID(enc::pad_into(msg, body));
  // In place: the ciphertext overwrites the padded plaintext, the tag goes in front.
  crypto_box_easy_afternm(out.data(), body.data(), body.size(), nonce.data(), key_.data());
  return {};
}

Result<Bytes> CbKey::encrypt(const CbNonce& nonce, ByteView msg, std::size_t padded_len) const {
  Bytes out(kCbTagSize);  // room for the tag, then the padded message written once
  SMP_TRY_VOID(enc::append_padded(out, msg, padded_len));
  crypto_box_easy_afternm(out.data(), out.data() + kCbTagSize, padded_len, nonce.data(),
                          key_.data());
  return out;
}

void CbKey::seal_no_pad(const CbNonce& nonce, ByteView msg, std::span<std::uint8_t> out) const {
  // REQUIRES: out.size() == msg.size() + kCbTagSize (the callers size it so).
  crypto_box_easy_afternm(out.data(), msg.data(), msg.size(), nonce.data(), key_.data());
}

Result<void> CbKey::open_no_pad(const CbNonce& nonce, ByteView packet,
                                std::span<std::uint8_t> out) const {
  if (packet.size() < kCbTagSize || out.size() != packet.size() - kCbTagSize) {
    return make_error_code(errc::cb_decrypt);
  }
  if (crypto_box_open_detached_afternm(out.data(), packet.data() + kCbTagSize,
                                       packet.data(), out.size(), nonce.data(),
                                       key_.data()) != 0) {
    return make_error_code(errc::cb_decrypt);
  }
  return {};
}

Result<Bytes> CbKey::decrypt(const CbNonce& nonce, ByteView packet) const {
  if (packet.size() < kCbTagSize) return make_error_code(errc::cb_decrypt);
  ByteView tag = packet.first(kCbTagSize);
  ByteView ct = packet.subspan(kCbTagSize);
  Bytes plain(ct.size());
  // Verifies the Poly1305 tag in constant time before decrypting anything.
  if (crypto_box_open_detached_afternm(plain.data(), ct.data(), tag.data(), ct.size(), nonce.data(),
                                       key_.data()) != 0) {
    return make_error_code(errc::cb_decrypt);
  }
  SMP_TRY(ByteView msg, enc::unpad(plain));
  std::size_t len = msg.size();
  std::copy(msg.begin(), msg.end(), plain.begin());
  plain.resize(len);
  return plain;
}

void CbKey::seal_in_place(const CbNonce& nonce, std::span<std::uint8_t> packet) const {
  std::span<std::uint8_t> body = packet.subspan(kCbTagSize);
  crypto_box_detached_afternm(body.data(), packet.data(), body.data(), body.size(), nonce.data(),
                              key_.data());
}

Result<std::span<std::uint8_t>> CbKey::open_in_place(const CbNonce& nonce,
                                                     std::span<std::uint8_t> packet) const {
  if (packet.size() < kCbTagSize) return make_error_code(errc::cb_decrypt);
  std::span<std::uint8_t> body = packet.subspan(kCbTagSize);
  if (crypto_box_open_detached_afternm(body.data(), body.data(), packet.data(), body.size(),
                                       nonce.data(), key_.data()) != 0) {
    return make_error_code(errc::cb_decrypt);
  }
  return body;
}

Result<Bytes> cb_encrypt(ByteView dh_secret, const CbNonce& nonce, ByteView msg,
                         std::size_t padded_len) {
  SMP_TRY(CbKey key, CbKey::from_dh_secret(dh_secret));
  return key.encrypt(nonce, msg, padded_len);
}

Result<Bytes> cb_decrypt(ByteView dh_secret, const CbNonce& nonce, ByteView packet) {
  SMP_TRY(CbKey key, CbKey::from_dh_secret(dh_secret));
  return key.decrypt(nonce, packet);
}

}  // namespace smp::crypto
