// TLS contexts with the reference's parameters (spec §3.1) and the client's certificate
// chain rules (spec §3.2). Servers accept TLS 1.3 (TLS_CHACHA20_POLY1305_SHA256) and TLS 1.2
// (ECDHE-ECDSA-CHACHA20-POLY1305), ed448/ed25519 signatures, X25519/X448 groups, no
// resumption (no tickets in TLS 1.3 either), no renegotiation, and select the ALPN "smp/1"
// when a client offers it: that chooses the current generation (SMP 6..18); a connection
// without ALPN is SMP v1, exactly as before. Clients offer either v1 only (TLS 1.2, no ALPN,
// SNI: a v1.0.0 client) or the current generation with v1 as the fallback.
//
// A context is immutable once made and may be shared by every connection on any thread; it
// must outlive the streams created from it. Per-connection settings go on the SSL object.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/transport/certificates.h"

namespace smp::transport {

namespace ssl = boost::asio::ssl;

// What the server presents: the chain [server certificate, CA certificate] and its key.
struct ServerCredentials {
  std::string certificate_chain_pem;  // server certificate first, then the CA certificate
  SecretBytes private_key_pem;
};

ServerCredentials server_credentials(const CertificateSet& set);
// From ca.crt, server.crt and server.key (errc::not_found / errc::io_error).
Result<ServerCredentials> load_server_credentials(const std::filesystem::path& ca_cert,
                                                  const std::filesystem::path& server_cert,
                                                  const std::filesystem::path& server_key);

// errc::bad_der for unreadable PEM, errc::config_invalid if the key does not match the
// certificate or the chain is not two certificates; errc::crypto_failure if OpenSSL fails.
// The context also captures each connection's TLS 1.3 traffic secrets (tls_secrets.h).
Result<ssl::context> make_server_context(const ServerCredentials& credentials);

// What a client context offers.
enum class ClientProtocols : std::uint8_t {
  // SMP v1 as a v1.0.0 client: TLS 1.2 only, no ALPN, SNI sent.
  v1_only,
  // The current generation as the reference's SMP client (Transport/Client.hs): TLS 1.3 and
  // 1.2, ALPN "smp/1", no SNI (useSNI = False); X25519 before X448 (the TLS 1.3 key share
  // is the first group's). A server that selects no ALPN (a v1.0.0 server) gets SMP v1.
  current_and_v1,
};

// Verifies peers against what expect_server() set on each SSL: with ALPN "smp/1" agreed by
// validate_current_server_chain, without it by validate_server_chain.
Result<ssl::context> make_client_context(ClientProtocols protocols = ClientProtocols::v1_only);
// What a context made by make_client_context offers.
ClientProtocols client_protocols(const SSL_CTX* ctx);

// Per connection, before the client's TLS handshake: the host the client connects to and the
// server's key hash. A v1-only context sends the host as SNI (even for an IP literal, as the
// reference does). A connection with no expectation set fails certificate verification.
Result<void> expect_server(SSL* ssl, std::string_view host, ByteView key_hash);

// The v1 client's chain rules (spec §3.2): exactly two certificates; SHA-256 of chain[1]'s DER
// equals key_hash (constant time); chain[0] is X.509 v3, signed by chain[1] and within its
// validity period; chain[1] has basicConstraints CA:true and is within its validity period;
// chain[0]'s name matches host (IP SAN or, like the reference, the CN for an IP literal;
// DNS SANs, or the CN when there are none, for a DNS name). Any failure: errc::tls_failure.
Result<void> validate_server_chain(std::span<X509* const> chain, std::string_view host,
                                   ByteView key_hash);

// The current generation's rules (validateCertificateChain, Transport/Client.hs and
// chainIdCaCerts, Transport/Shared.hs): 2 to 4 certificates [leaf, idCert, (network,) CA];
// SHA-256 of the idCert (chain[1]) DER equals key_hash (constant time); the chain validates
// up to its last certificate (chain[1] for two) as the only trust anchor: leaf X.509 v3,
// signatures, validity periods, CA:true on every certificate after the leaf. No host name
// check (checkFQHN = False). Any failure: errc::tls_failure.
Result<void> validate_current_server_chain(std::span<X509* const> chain, ByteView key_hash);

enum class TlsRole { client, server };

// tls-unique (spec §3.3): the client's Finished verify_data — the server reads the peer's,
// the client its own: 12 bytes in TLS 1.2, 32 in TLS 1.3 (SHA-256), as hs-tls's
// getFinished/getPeerFinished return it. errc::tls_failure if the handshake has not finished.
Result<Bytes> tls_unique(const SSL* ssl, TlsRole role);

// True once the handshake has agreed on ALPN "smp/1": the current generation's handshake
// follows. False for a connection without ALPN (SMP v1).
bool negotiated_current(const SSL* ssl);

// The public key of the peer's TLS certificate (the chain's first): the key that signs the
// server's per-connection X25519 key. errc::tls_failure without a certificate,
// errc::wrong_algorithm unless it is Ed25519 or Ed448.
Result<crypto::PublicKey> peer_certificate_key(const SSL* ssl);

}  // namespace smp::transport
