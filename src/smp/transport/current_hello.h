// The blocks of the current SMP handshake (ALPN "smp/1", SMP 6..18; Transport.hs at 6.5.5.0)
// and the checks each side makes of the other's, without I/O (current_handshake.h runs them).
//
//   server → client  SMPServerHandshake:
//     u16 min ‖ u16 max ‖ short(sessionId) ‖ [max >= 7: CertChainPubKey (cert_chain_key.h)]
//   client → server  SMPClientHandshake:
//     u16 version ‖ short(keyHash) ‖ [v >= 7: short(X25519 SPKI DER)]
//     ‖ [v >= 14: proxyServer 'T' | 'F'] ‖ [v >= 16: Maybe ('0' | '1' ‖ role ‖ CertChainPubKey)]
//   server → client  SMPServerHandshakeResponse, only after a client sent a service:
//     'R' ‖ short(serviceId)  |  'E' ‖ TransportError text ("HANDSHAKE BAD_AUTH", ...)
//
// As the reference's getHandshake, parsers ignore bytes after what they read, and the
// optional keys (the server's CertChainPubKey, the client's X25519 key) are absent when the
// bytes there do not parse as one (attoparsec's `optional` backtracks). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/transport/cert_chain_key.h"

namespace smp::transport {

// The range a server offers on ALPN "smp/1" (supportedServerSMPRelayVRange): 6..18.
enc::VersionRange current_server_versions();

struct CurrentServerHandshake {
  enc::VersionRange versions = enc::VersionRange::single(0);
  Bytes session_id;
  std::optional<CertChainPubKey> cert_key;  // written only when versions.max() >= 7
};

// SMPServiceRole: 'M' messaging, 'N' notifier, 'P' proxy.
enum class ServiceRole : char { messaging = 'M', notifier = 'N', proxy = 'P' };

struct ClientService {
  ServiceRole role = ServiceRole::messaging;
  CertChainPubKey cert_key;
};

struct CurrentClientHandshake {
  std::uint16_t version = 0;
  Bytes key_hash;
  std::optional<crypto::PublicKey> dh_key;  // X25519; written only when version >= 7
  bool proxy_server = false;                // written only when version >= 14
  std::optional<ClientService> service;     // written only when version >= 16
};

// 'R' serviceId, or 'E' and an error: one of errc::transport_bad_block, handshake_version,
// transport_large_msg, bad_session, transport_no_auth, handshake_parse, handshake_identity,
// handshake_bad_auth, handshake_bad_service.
struct ServerHandshakeResponse {
  std::optional<Bytes> service_id;
  errc error = errc::ok;  // when service_id is absent
};

// Encoders. errc::value_too_large for a session id, key hash or service id over 255 bytes
// or a bad CertChainPubKey; errc::bad_tag for a response error outside the list above.
Result<Bytes> encode_current_server_handshake(const CurrentServerHandshake& h);
Result<Bytes> encode_current_client_handshake(const CurrentClientHandshake& h);
Result<Bytes> encode_server_handshake_response(const ServerHandshakeResponse& r);

// Parsers: errc::handshake_parse for anything the reference's parser refuses (a version
// range with min > max, a short field, a proxy flag other than 'T'/'F', a bad Maybe tag or
// service, an unknown response).
Result<CurrentServerHandshake> parse_current_server_handshake(ByteView content);
Result<CurrentClientHandshake> parse_current_client_handshake(ByteView content);
Result<ServerHandshakeResponse> parse_server_handshake_response(ByteView content);

// The server's decision (smpServerHandshake): the key hash first (errc::handshake_identity,
// constant time), then compatibleVRange' — the client's version must be in `offered` —
// (errc::handshake_version). Returns thServerVRange: offered.min() .. the client's version.
Result<enc::VersionRange> accept_current_client(const CurrentClientHandshake& h,
                                                ByteView own_key_hash, enc::VersionRange offered);

// What a client asks for.
struct ClientHandshakeOptions {
  enc::VersionRange versions = current_server_versions();  // supportedClientSMPRelayVRange
  bool proxy_server = false;  // an SMP proxy connecting to a destination server
};

// The client's decision (smpClientHandshake): errc::bad_session unless the session id is
// our tls-unique; then, for a proxy and a server whose maximum is below 14, our maximum is
// capped at max(our minimum, 10); then compatibleVRange (errc::handshake_version when the
// ranges do not meet). Returns the common range; the client uses its maximum.
Result<enc::VersionRange> choose_current_versions(const CurrentServerHandshake& h,
                                                  ByteView own_session_id,
                                                  const ClientHandshakeOptions& options);

// The client's check of the server's key: the chain has 2 to 4 certificates and the SHA-256
// of its idCert is `key_hash` (chainIdCaCerts), and the signed key verifies with the server's
// TLS certificate key and is an X25519 key. errc::handshake_bad_auth otherwise.
Result<crypto::PublicKey> verify_server_dh_key(const CertChainPubKey& cert_key, ByteView key_hash,
                                               const crypto::PublicKey& tls_certificate_key);

}  // namespace smp::transport
