// OpenSSL handles and X.509 helpers for the TLS transport: owning pointers for the C objects,
// PEM/DER conversion, and the one place where OpenSSL's error queue becomes an smp::errc.
//
// Functions are pure (thread-safe); the handles are move-only owners, not thread-safe.
// Returned PEM texts of private keys are SecretBytes and wiped when dropped.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::transport {

namespace detail {
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free_all(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
}  // namespace detail

using X509Ptr = std::unique_ptr<X509, detail::X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, detail::EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, detail::BioFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, detail::X509StoreFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, detail::X509StoreCtxFree>;

// Clears OpenSSL's thread-local error queue (logging it at debug level) and returns `e`.
error_code openssl_error(errc e);

// Every certificate in a PEM text, in order. errc::bad_der if there is none or one is malformed.
Result<std::vector<X509Ptr>> parse_certificates_pem(std::string_view pem);
// The first certificate of a PEM text.
Result<X509Ptr> parse_certificate_pem(std::string_view pem);
// An unencrypted PKCS#8 (or traditional) PEM private key. errc::bad_der when malformed.
Result<EvpPkeyPtr> parse_private_key_pem(ByteView pem);

// Serialisations; errc::crypto_failure only if OpenSSL fails (out of memory).
Result<std::string> certificate_pem(X509* cert);
Result<SecretBytes> private_key_pem(EVP_PKEY* key);  // PKCS#8, unencrypted
// The complete DER encoding of a certificate (what TLS transmits and the key hash covers).
Result<Bytes> certificate_der(X509* cert);

}  // namespace smp::transport
