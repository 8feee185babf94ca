#include "smp/crypto/openssl_handles.h"

#include <openssl/err.h>

namespace smp::crypto {

errc consume_openssl_error(errc as) noexcept {
  // Allocation failures inside OpenSSL are our side failing, whatever the caller expected.
  errc result = as;
  while (unsigned long e = ERR_get_error()) {
    if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE) result = errc::crypto_failure;
  }
  return result;
}

}  // namespace smp::crypto
