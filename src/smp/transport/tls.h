// TLS contexts with the reference's parameters (spec §3.1) and the client's certificate
// chain rules (spec §3.2): TLS 1.2 only, ECDHE-ECDSA-CHACHA20-POLY1305, ed448/ed25519
// signatures, X448/X25519 groups, no resumption, no renegotiation. Clients list X448 first, as
// the reference does; the server chooses by its own order, X25519 first.
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
Result<ssl::context> make_server_context(const ServerCredentials& credentials);
// Verifies peers with validate_server_chain against what expect_server() set on each SSL.
Result<ssl::context> make_client_context();

// Per connection, before the client's TLS handshake: the host the client connects to (sent
// as SNI, even for an IP literal, as the reference does) and the server's key hash. A
// connection with no expectation set fails certificate verification.
Result<void> expect_server(SSL* ssl, std::string_view host, ByteView key_hash);

// The client's chain rules (spec §3.2): exactly two certificates; SHA-256 of chain[1]'s DER
// equals key_hash (constant time); chain[0] is X.509 v3, signed by chain[1] and within its
// validity period; chain[1] has basicConstraints CA:true and is within its validity period;
// chain[0]'s name matches host (IP SAN or, like the reference, the CN for an IP literal;
// DNS SANs, or the CN when there are none, for a DNS name). Any failure: errc::tls_failure.
Result<void> validate_server_chain(std::span<X509* const> chain, std::string_view host,
                                   ByteView key_hash);

enum class TlsRole { client, server };

// tls-unique (spec §3.3): the client's Finished verify_data, 12 bytes — the server reads
// the peer's, the client its own. errc::tls_failure if the handshake has not finished.
Result<Bytes> tls_unique(const SSL* ssl, TlsRole role);

}  // namespace smp::transport
