// The TLS 1.3 application traffic secrets of a server connection, captured during OpenSSL's
// handshake so that the own record layer (TlsRecords) can take over its records afterwards.
//
// OpenSSL 3 exposes TLS 1.3 secrets only through the key-log callback: capture_traffic_secrets
// installs one on a context that keeps CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0 in
// the SSL object's ex_data (every other line is ignored, nothing is written anywhere). The
// secrets are wiped when taken and when the SSL object is freed. The callback runs inside
// OpenSSL on the connection's thread; the functions are thread-safe for distinct SSL objects.
#pragma once

#include <cstddef>

#include <openssl/types.h>

#include "smp/common/error.h"
#include "smp/crypto/secret_array.h"

namespace smp::transport {

// TLS_CHACHA20_POLY1305_SHA256: secrets are SHA-256 sized.
inline constexpr std::size_t kTrafficSecretSize = 32;

struct TrafficSecrets {
  crypto::SecretArray<kTrafficSecretSize> client;  // client_application_traffic_secret_0
  crypto::SecretArray<kTrafficSecretSize> server;  // server_application_traffic_secret_0
};

// Installs the capturing key-log callback (replacing any other) on `ctx`.
void capture_traffic_secrets(SSL_CTX* ctx);

// Moves the captured secrets out of `ssl` (which then holds none). errc::tls_failure unless
// both were captured (a TLS 1.2 connection, or a context without capture_traffic_secrets).
Result<TrafficSecrets> take_traffic_secrets(SSL* ssl);

}  // namespace smp::transport
