// SMP protocol versions: the two generations a connection can speak, the version at which
// each feature of the current generation starts (the reference's Transport.hs *SMPVersion
// constants, simplexmq 6.5.5), and the limits that depend on the version.
//
// A connection's version is 1 (SMP v1, the generation chosen when TLS negotiates no ALPN) or
// 6..18 (the current generation, ALPN "smp/1"). Versions 2..5 are never agreed. Every codec
// that differs between versions takes the agreed version and branches on these constants,
// as the reference does. Constants only; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smp/encoding/version.h"

namespace smp::protocol {

using SmpVersion = enc::Version;

// SMP v1 (SimpleXMQ v1.0.0): its own encodings of NEW, SEND, MSG, ACK, NKEY, NID, NMSG and
// of transmissions (one per block, session id sent, signatures only).
inline constexpr SmpVersion kSmpV1 = 1;

// The current generation: the range our server offers and our client accepts.
inline constexpr SmpVersion kCurrentMinVersion = 6;
inline constexpr SmpVersion kCurrentMaxVersion = 18;
inline constexpr enc::VersionRange kCurrentVersions =
    enc::VersionRange::of(kCurrentMinVersion, kCurrentMaxVersion);

// Feature versions (Transport.hs). Each feature is on for every version >= its constant.
inline constexpr SmpVersion kAuthCmdsVersion = 7;         // X25519 authenticators, implied session id
inline constexpr SmpVersion kSendingProxyVersion = 8;     // PRXY/PFWD/RFWD
inline constexpr SmpVersion kSndAuthKeyVersion = 9;       // SKEY, sndSecure in NEW/IDS
inline constexpr SmpVersion kDeletedEventVersion = 10;    // DELD (END before)
inline constexpr SmpVersion kEncryptedBlockVersion = 11;  // block encryption
inline constexpr SmpVersion kBlockedEntityVersion = 12;   // ERR BLOCKED (AUTH before)
inline constexpr SmpVersion kProxyServerHandshakeVersion = 14;  // proxyServer in client hello
inline constexpr SmpVersion kShortLinksVersion = 15;      // queue data in NEW/IDS, LSET/LKEY/LGET
inline constexpr SmpVersion kServiceCertsVersion = 16;    // service signature field, SOK
inline constexpr SmpVersion kNewNtfCredsVersion = 17;     // notifier credentials in NEW/IDS
inline constexpr SmpVersion kClientNoticesVersion = 18;   // notice in BLOCKED

// The highest version a proxy lets a client use with a destination (proxiedSMPRelayVersion):
// proxies cap it so destinations cannot tell clients apart by version.
inline constexpr SmpVersion kProxiedMaxVersion = 17;
inline constexpr enc::VersionRange kProxiedVersions =
    enc::VersionRange::of(kSendingProxyVersion, kProxiedMaxVersion);

constexpr bool is_current_generation(SmpVersion v) { return v >= kCurrentMinVersion; }

// The longest SEND body the server accepts at version v (maxMessageLength): block encryption
// and proxying take room from the block.
constexpr std::size_t max_message_length(SmpVersion v) {
  if (v >= kEncryptedBlockVersion) return 16048;
  if (v >= kSendingProxyVersion) return 16064;
  return 16088;
}

// MSG body padding (MaxRcvMessageLen): the recipient's plaintext is timestamp (8) ‖ flags ‖
// ' ' ‖ body, padded to this plus the 2-byte length, then crypto_box adds a 16-byte tag.
inline constexpr std::size_t kMaxRcvMessageLength = 16104;
// A proxied transmission and its response are padded to this before encryption
// (paddedProxiedTLength).
inline constexpr std::size_t kPaddedProxiedLength = 16226;

}  // namespace smp::protocol
