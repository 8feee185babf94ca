// Owning handles for OpenSSL objects and the one place OpenSSL errors become smp::errc.
//
// Each alias is a std::unique_ptr with a stateless deleter, so a handle costs one pointer and
// frees its object exactly once. SSL_CTX is not here: boost::asio::ssl::context owns it.
// Handles are not thread-safe; the objects they own follow OpenSSL's own rules (an EVP_PKEY
// may be shared read-only between threads, a context may not).
#pragma once

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>

#include "smp/common/error.h"

namespace smp::crypto {

template <auto FreeFn>
struct OpensslDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<&EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<&EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OpensslDeleter<&EVP_CIPHER_CTX_free>>;
using EvpCipherPtr = std::unique_ptr<EVP_CIPHER, OpensslDeleter<&EVP_CIPHER_free>>;
using EvpKdfPtr = std::unique_ptr<EVP_KDF, OpensslDeleter<&EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OpensslDeleter<&EVP_KDF_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<&X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<&BIO_free_all>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpensslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpensslDeleter<&X509_STORE_CTX_free>>;

// Empties this thread's OpenSSL error queue (so a later call does not see a stale entry) and
// returns `as`, the error the caller's context gives the failure (errc::crypto_failure unless
// the caller knows better, e.g. errc::aes_decrypt after a failed tag check).
errc consume_openssl_error(errc as = errc::crypto_failure) noexcept;

}  // namespace smp::crypto
