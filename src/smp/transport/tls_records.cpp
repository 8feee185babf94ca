#include "smp/transport/tls_records.h"

#include <cstring>
#include <string_view>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "smp/crypto/hash.h"

namespace smp::transport {

namespace {

constexpr std::uint16_t kTls12Version = 0x0303;
constexpr std::uint32_t kChaChaSuiteId = 0x0300CCA9;    // ECDHE-ECDSA-CHACHA20-POLY1305
constexpr std::size_t kKeyBlockSize = 2 * 32 + 2 * 12;  // AEAD suites have no MAC keys
constexpr std::size_t kAadSize = 13;
constexpr std::size_t kRandomSize = 32;
constexpr std::string_view kKeyExpansion = "key expansion";

// OpenSSL's ChaCha20-Poly1305: on this project's machines about three times libsodium's
// (3.3 against 1.0 GB/s for 16 KB records, BENCHMARKS.md), and five 16 KB records pass per
// delivered message. One cipher context per thread, keyed again for every record, so that a
// connection keeps no OpenSSL state of its own.
class RecordCipher {
 public:
  RecordCipher() : ctx_(EVP_CIPHER_CTX_new()) {
    static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    ready_ = ctx_ != nullptr && cipher != nullptr &&
             EVP_CipherInit_ex(ctx_, cipher, nullptr, nullptr, nullptr, 1) == 1;
  }
  ~RecordCipher() { EVP_CIPHER_CTX_free(ctx_); }
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  static RecordCipher& of_this_thread() {
    thread_local RecordCipher cipher;
    return cipher;
  }

  // Encrypts `data` in place and writes the tag; or, with !encrypt, checks `tag` and
  // decrypts in place (false when it does not authenticate).
  bool run(bool encrypt, const RecordKeys& keys, const std::array<std::uint8_t, 12>& nonce,
           ByteView aad, std::uint8_t* data, std::size_t length, std::uint8_t* tag) {
    const int enc = encrypt ? 1 : 0;
    int out = 0;
    if (!ready_ || length > kMaxRecordPlaintext ||
        EVP_CipherInit_ex(ctx_, nullptr, nullptr, keys.key.data(), nonce.data(), enc) != 1)
      return false;
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG,
                                        static_cast<int>(kRecordTagSize), tag) != 1)
      return false;
    if (EVP_CipherUpdate(ctx_, nullptr, &out, aad.data(), static_cast<int>(aad.size())) != 1)
      return false;
    if (length > 0 && EVP_CipherUpdate(ctx_, data, &out, data, static_cast<int>(length)) != 1)
      return false;
    if (EVP_CipherFinal_ex(ctx_, data + length, &out) != 1) return false;
    return !encrypt || EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG,
                                           static_cast<int>(kRecordTagSize), tag) == 1;
  }

 private:
  EVP_CIPHER_CTX* ctx_;
  bool ready_ = false;
};

error_code unusable(const char* why) {
  spdlog::debug("tls: own record layer not used: {}", why);
  ERR_clear_error();
  return make_error_code(errc::tls_failure);
}

// RFC 7905 §2: the IV XORed with the sequence number, big-endian, left-padded to 12 bytes.
std::array<std::uint8_t, 12> nonce_for(const RecordKeys& k) {
  auto nonce = k.iv;
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[4 + i] ^= static_cast<std::uint8_t>(k.seq >> (56 - 8 * i));
  }
  return nonce;
}

// RFC 5246 §6.2.3.3: seq_num || type || version || length (of the plaintext).
std::array<std::uint8_t, kAadSize> aad_for(const RecordKeys& k, std::uint8_t type,
                                           std::size_t length) {
  std::array<std::uint8_t, kAadSize> aad{};
  for (std::size_t i = 0; i < 8; ++i) aad[i] = static_cast<std::uint8_t>(k.seq >> (56 - 8 * i));
  aad[8] = type;
  aad[9] = kTls12Version >> 8;
  aad[10] = kTls12Version & 0xff;
  aad[11] = static_cast<std::uint8_t>(length >> 8);
  aad[12] = static_cast<std::uint8_t>(length);
  return aad;
}

// The TLS 1.2 PRF (SHA-256 for this suite) over the master secret: the key block.
Result<SecretBytes> key_block(ByteView master, ByteView server_random, ByteView client_random) {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  if (kdf == nullptr) return unusable("no TLS1-PRF");
  Bytes seed;
  seed.reserve(kKeyExpansion.size() + 2 * kRandomSize);
  auto label = as_bytes(kKeyExpansion);
  seed.insert(seed.end(), label.begin(), label.end());
  seed.insert(seed.end(), server_random.begin(), server_random.end());
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        const_cast<std::uint8_t*>(master.data()), master.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), seed.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  Bytes out(kKeyBlockSize);
  bool ok = ctx != nullptr && EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);
  SecretBytes block(std::move(out));
  if (!ok) return unusable("key derivation failed");
  return block;
}

}  // namespace

TlsRecords::TlsRecords(const RecordKeys& write, const RecordKeys& read)
    : write_(write), read_(read) {}

TlsRecords::TlsRecords(TlsRecords&& other) noexcept : write_(other.write_), read_(other.read_) {
  secure_wipe(&other.write_, sizeof other.write_);
  secure_wipe(&other.read_, sizeof other.read_);
}

TlsRecords& TlsRecords::operator=(TlsRecords&& other) noexcept {
  if (this != &other) {
    write_ = other.write_;
    read_ = other.read_;
    secure_wipe(&other.write_, sizeof other.write_);
    secure_wipe(&other.read_, sizeof other.read_);
  }
  return *this;
}

TlsRecords::~TlsRecords() {
  secure_wipe(&write_, sizeof write_);
  secure_wipe(&read_, sizeof read_);
}

Result<TlsRecords> TlsRecords::from_handshake(SSL* ssl, TlsRole role) {
  crypto::ensure_initialized();
  if (ssl == nullptr || SSL_is_init_finished(ssl) != 1) return unusable("handshake not finished");
  if (SSL_version(ssl) != TLS1_2_VERSION) return unusable("not TLS 1.2");
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr || SSL_CIPHER_get_id(cipher) != kChaChaSuiteId) {
    return unusable("not ChaCha20-Poly1305");
  }
  // A resumed handshake orders its Finished messages differently; we never resume.
  if (SSL_session_reused(ssl) != 0) return unusable("resumed session");
  if (SSL_has_pending(ssl) != 0) return unusable("bytes buffered by OpenSSL");
  const SSL_SESSION* session = SSL_get0_session(ssl);
  if (session == nullptr) return unusable("no session");
  if (SSL_SESSION_get_max_fragment_length(session) != TLSEXT_max_fragment_length_DISABLED) {
    return unusable("max_fragment_length negotiated");
  }
  std::array<std::uint8_t, SSL_MAX_MASTER_KEY_LENGTH> master_buf{};
  std::size_t master_len =
      SSL_SESSION_get_master_key(session, master_buf.data(), master_buf.size());
  std::array<std::uint8_t, kRandomSize> client_random{}, server_random{};
  bool randoms = SSL_get_client_random(ssl, client_random.data(), kRandomSize) == kRandomSize &&
                 SSL_get_server_random(ssl, server_random.data(), kRandomSize) == kRandomSize;
  if (master_len == 0 || !randoms) {
    secure_wipe(master_buf.data(), master_buf.size());
    return unusable("no master secret");
  }
  auto block = key_block(ByteView(master_buf.data(), master_len), server_random, client_random);
  secure_wipe(master_buf.data(), master_buf.size());
  if (!block) return block.error();
  // key_block = client_write_key, server_write_key, client_write_IV, server_write_IV.
  ByteView b = block->view();
  RecordKeys client, server;
  std::memcpy(client.key.data(), b.data(), 32);
  std::memcpy(server.key.data(), b.data() + 32, 32);
  std::memcpy(client.iv.data(), b.data() + 64, 12);
  std::memcpy(server.iv.data(), b.data() + 76, 12);
  client.seq = server.seq = 1;
  TlsRecords records =
      role == TlsRole::server ? TlsRecords(server, client) : TlsRecords(client, server);
  secure_wipe(&client, sizeof client);
  secure_wipe(&server, sizeof server);
  return records;
}

Result<std::size_t> TlsRecords::record_size(ByteView header) {
  if (header.size() < kRecordHeaderSize) return make_error_code(errc::tls_failure);
  auto version = static_cast<std::uint16_t>((header[1] << 8) | header[2]);
  std::size_t length = static_cast<std::size_t>((header[3] << 8) | header[4]);
  if (version != kTls12Version || length < kRecordTagSize ||
      length > kMaxRecordPlaintext + kRecordTagSize) {
    return make_error_code(errc::tls_failure);
  }
  return kRecordHeaderSize + length;
}

std::size_t TlsRecords::seal(ContentType type, ByteView plaintext, std::span<std::uint8_t> out) {
  std::size_t length = plaintext.size();
  auto t = static_cast<std::uint8_t>(type);
  std::size_t body = length + kRecordTagSize;
  out[0] = t;
  out[1] = kTls12Version >> 8;
  out[2] = kTls12Version & 0xff;
  out[3] = static_cast<std::uint8_t>(body >> 8);
  out[4] = static_cast<std::uint8_t>(body);
  std::uint8_t* c = out.data() + kRecordHeaderSize;
  if (length > 0 && plaintext.data() != c) std::memmove(c, plaintext.data(), length);
  auto nonce = nonce_for(write_);
  auto aad = aad_for(write_, t, length);
  if (!RecordCipher::of_this_thread().run(true, write_, nonce, aad, c, length, c + length)) {
    // Never seen; the record goes out with a tag the peer rejects rather than in clear.
    OPENSSL_cleanse(c, length + kRecordTagSize);
    ERR_clear_error();
  }
  ++write_.seq;
  return kRecordHeaderSize + body;
}

Result<OpenedRecord> TlsRecords::open(std::span<std::uint8_t> record) {
  auto size = record_size(record);
  if (!size || *size != record.size()) return make_error_code(errc::tls_failure);
  std::uint8_t type = record[0];
  std::size_t length = record.size() - kRecordHeaderSize - kRecordTagSize;
  std::uint8_t* c = record.data() + kRecordHeaderSize;
  auto nonce = nonce_for(read_);
  auto aad = aad_for(read_, type, length);
  if (!RecordCipher::of_this_thread().run(false, read_, nonce, aad, c, length, c + length)) {
    // Decrypted before the tag was checked: what came out is not given to anyone.
    OPENSSL_cleanse(c, length);
    ERR_clear_error();
    return make_error_code(errc::tls_failure);
  }
  ++read_.seq;
  return OpenedRecord{static_cast<ContentType>(type), std::span<std::uint8_t>(c, length)};
}

}  // namespace smp::transport
