#include "smp/transport/x509.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <array>
#include <climits>

namespace smp::transport {

namespace {

BioPtr memory_bio(std::string_view data) {
  if (data.size() > INT_MAX) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// The bytes held by a memory BIO (valid while the BIO lives).
ByteView bio_contents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)};
}

}  // namespace

error_code openssl_error(errc e) {
  if (spdlog::should_log(spdlog::level::debug)) {
    unsigned long code = ERR_peek_error();
    if (code != 0) {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof buf);
      spdlog::debug("openssl: {}", buf);
    }
  }
  return make_error_code(crypto::consume_openssl_error(e));
}

bool is_ip_literal(std::string_view host) {
  std::string h(host);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

Result<std::vector<X509Ptr>> parse_certificates_pem(std::string_view pem) {
  ERR_clear_error();  // the end-of-input check below reads the queue
  BioPtr bio = memory_bio(pem);
  if (!bio) return make_error_code(errc::bad_der);
  std::vector<X509Ptr> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  // Reading stops with "no start line" at the end of input; anything else is malformed.
  unsigned long last = ERR_peek_last_error();
  bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (last != 0 && !clean_end) return openssl_error(errc::bad_der);
  ERR_clear_error();
  if (out.empty()) return make_error_code(errc::bad_der);
  return out;
}

Result<X509Ptr> parse_certificate_pem(std::string_view pem) {
  auto all = parse_certificates_pem(pem);
  if (!all) return all.error();
  return std::move(all->front());
}

Result<EvpPkeyPtr> parse_private_key_pem(ByteView pem) {
  BioPtr bio = memory_bio(as_chars(pem));
  if (!bio) return make_error_code(errc::bad_der);
  // An empty passphrase callback result makes encrypted keys fail instead of prompting.
  auto no_password = [](char*, int, int, void*) -> int { return 0; };
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) return openssl_error(errc::bad_der);
  return key;
}

Result<std::string> certificate_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return openssl_error(errc::crypto_failure);
  return to_string(bio_contents(bio.get()));
}

Result<SecretBytes> private_key_pem(EVP_PKEY* key) {
  // The secure-memory BIO wipes its buffer when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  return SecretBytes(bio_contents(bio.get()));
}

Result<Bytes> certificate_der(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return openssl_error(errc::crypto_failure);
  Bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  if (i2d_X509(cert, &p) != n) return openssl_error(errc::crypto_failure);
  return out;
}

Result<X509Ptr> certificate_from_der(ByteView der) {
  if (der.size() > LONG_MAX) return make_error_code(errc::bad_der);
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return openssl_error(errc::bad_der);
  if (p != der.data() + der.size()) return make_error_code(errc::bad_der);  // bytes after it
  return cert;
}

namespace {

// The signature algorithm of an OpenSSL key: Ed25519 or Ed448.
Result<crypto::KeyAlgorithm> signing_algorithm(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_id(key)) {
    case EVP_PKEY_ED25519:
      return crypto::KeyAlgorithm::ed25519;
    case EVP_PKEY_ED448:
      return crypto::KeyAlgorithm::ed448;
    default:
      return make_error_code(errc::wrong_algorithm);
  }
}

}  // namespace

Result<crypto::PublicKey> certificate_public_key(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return openssl_error(errc::bad_der);
  auto alg = signing_algorithm(key);
  if (!alg) return alg.error();
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> raw{};
  std::size_t n = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &n) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  return crypto::PublicKey::from_raw(*alg, ByteView(raw.data(), n));
}

Result<crypto::PrivateKey> signing_key_from_pem(ByteView pem) {
  auto key = parse_private_key_pem(pem);
  if (!key) return key.error();
  auto alg = signing_algorithm(key->get());
  if (!alg) return alg.error();
  std::array<std::uint8_t, crypto::kMaxPublicKeySize> raw{};
  std::size_t n = raw.size();
  if (EVP_PKEY_get_raw_private_key(key->get(), raw.data(), &n) != 1) {
    OPENSSL_cleanse(raw.data(), raw.size());
    return openssl_error(errc::crypto_failure);
  }
  auto out = crypto::PrivateKey::from_raw(*alg, ByteView(raw.data(), n));
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

}  // namespace smp::transport
