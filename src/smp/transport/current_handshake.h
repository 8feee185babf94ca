// The current SMP handshake over an established transport (smpServerHandshake and
// smpClientHandshake in Transport.hs at 6.5.5.0), after TLS agreed on ALPN "smp/1":
//
//   server: a fresh X25519 key pair per connection, its public key signed by the online TLS
//     key; sends its versions (6..18 unless
//     the identity caps them), the session id and [chain, signed key]; reads the client's
//     block; checks the key hash (IDENTITY), then the version (VERSION); refuses a client
//     service (this server requests no client certificates) with 'E' "HANDSHAKE BAD_AUTH".
//   client: reads the server's block; checks the session id, agrees the highest common
//     version, verifies the chain's idCert and the signed key (BAD_AUTH); sends its version,
//     the key hash, a fresh X25519 key (agreeSecret) and proxyServer.
//   both: the session secret DH(client key, server key); from v11, unless the client is a
//     proxy, block encryption keyed by sbcInit(session id, secret).
// On success the agreed SessionParams are stored in the transport (set_session). On failure
// the server closes without a word (no error block, as the reference); the client returns
// the error and its caller closes.
//
// The coroutines are strand-bound like the BlockTransport they use, which must outlive them;
// ServerHandshakeIdentity is immutable after construction and may be shared by every
// connection on any thread.
#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/transport/block_transport.h"
#include "smp/transport/current_hello.h"
#include "smp/transport/tls.h"

namespace smp::transport {

// What a server needs for both generations' handshakes.
struct ServerHandshakeIdentity {
  Bytes key_hash;                  // SHA-256 of the CA certificate: the server's identity
  crypto::PrivateKey signing_key;  // the online TLS key (Ed25519 / Ed448)
  std::vector<Bytes> chain;        // [online certificate, CA certificate] as DER
  // The versions offered (the reference's smpServerVRange): 6..18, or a part of it.
  enc::VersionRange versions = current_server_versions();
};

// From the credentials the TLS context is made of. errc::bad_der for unreadable PEM,
// errc::config_invalid unless the chain is two certificates, errc::wrong_algorithm unless
// the key is Ed25519 or Ed448.
Result<ServerHandshakeIdentity> server_handshake_identity(const ServerCredentials& credentials);

// Server side. Returns the agreed version. Errors: errc::handshake_parse, handshake_identity,
// handshake_version, handshake_bad_auth (a client service), crypto_failure (a client key of
// small order: its DH secret would be all zeros — refused, where the reference goes on),
// and the transport's errors.
net::awaitable<Result<std::uint16_t>> current_server_handshake(
    BlockTransport& transport, const ServerHandshakeIdentity& identity);

// Client side; `tls_certificate_key` is the server's TLS certificate key
// (peer_certificate_key). Returns the agreed version. Errors: errc::handshake_parse,
// bad_session, handshake_version, handshake_bad_auth, crypto_failure, and the transport's.
net::awaitable<Result<std::uint16_t>> current_client_handshake(
    BlockTransport& transport, ByteView key_hash, const crypto::PublicKey& tls_certificate_key,
    const ClientHandshakeOptions& options);

}  // namespace smp::transport
