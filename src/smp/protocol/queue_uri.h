// SMP queue URIs (spec §7.4): how a queue's sender address travels out of band, inside
// connection requests. Emitted in the v1 short form
//   smp://<b64u keyHash>@host[:port]/<b64u senderId>#<b64u SPKI X25519 DH key>
// or in the versioned form the current reference writes (SMPQueueUri strEncode, 6.5.5)
//   smp://<b64u keyHash>@host[:port]/<b64u senderId>#/?v=<range>&dh=<dhKey>[&q=m|c][&k=s]
// and parsed in either form, the versioned one as
//   …/<senderId>[/]#[<dhKey>][/]?v=<range>[&dh=<dhKey>]…   (unknown parameters ignored)
// The short form implies client versions 1-1. Plain value types, pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/protocol/command.h"
#include "smp/protocol/server_address.h"

namespace smp::protocol {

// The client version range a short-form URI stands for (the reference's smpClientVRange).
inline constexpr enc::VersionRange kShortQueueUriVersions = enc::VersionRange::single(1);
// The SMP client versions the current reference offers (supportedSMPClientVRange: 1-4;
// 3 = the sender may secure the queue, 4 = short links and the queue mode).
inline constexpr enc::VersionRange kCurrentQueueUriVersions = enc::VersionRange::of(1, 4);
inline constexpr enc::Version kSndAuthKeyClientVersion = 3;
inline constexpr enc::Version kShortLinksClientVersion = 4;

// Copyable value type.
struct SmpQueueUri {
  SmpServer server;
  Bytes sender_id;
  enc::VersionRange client_versions;
  crypto::PublicKey dh_public_key;  // X25519: the recipient's per-queue E2E key
  // The versioned form's q= (or k=s, a messaging queue); nullopt in the short form.
  std::optional<QueueMode> queue_mode{};
  friend bool operator==(const SmpQueueUri&, const SmpQueueUri&) = default;
};

// The short form. Like the reference's v1 encoder it does not carry client_versions.
std::string str_encode(const SmpQueueUri& uri);
// The versioned form, as the reference writes it: v, dh (percent-escaped), q for a queue
// mode, and k=s for a messaging queue while client versions below 4 are offered. The
// server's password is never written.
std::string str_encode_versioned(const SmpQueueUri& uri);

// The whole text must be one queue URI (as an item of a comma list is: the caller splits the
// list first). errc::bad_uri for anything malformed, including a DH key that is not X25519.
Result<SmpQueueUri> decode_queue_uri(std::string_view text);

}  // namespace smp::protocol
