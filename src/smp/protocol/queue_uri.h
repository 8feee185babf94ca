// SMP queue URIs (spec §7.4): how a queue's sender address travels out of band, inside
// connection requests. Emitted in the v1 short form
//   smp://<b64u keyHash>@host[:port]/<b64u senderId>#<b64u SPKI X25519 DH key>
// and parsed in that form or the versioned one
//   …/<senderId>[/]#[<dhKey>][/]?v=<range>[&dh=<dhKey>]…   (unknown parameters ignored)
// The short form implies client versions 1-1. Plain value types, pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/protocol/server_address.h"

namespace smp::protocol {

// The client version range a short-form URI stands for (the reference's smpClientVRange).
inline constexpr enc::VersionRange kShortQueueUriVersions = enc::VersionRange::single(1);

// Copyable value type.
struct SmpQueueUri {
  SmpServer server;
  Bytes sender_id;
  enc::VersionRange client_versions;
  crypto::PublicKey dh_public_key;  // X25519: the recipient's per-queue E2E key
  friend bool operator==(const SmpQueueUri&, const SmpQueueUri&) = default;
};

// The short form. Like the reference's v1 encoder it does not carry client_versions.
std::string str_encode(const SmpQueueUri& uri);

// The whole text must be one queue URI (as an item of a comma list is: the caller splits the
// list first). errc::bad_uri for anything malformed, including a DH key that is not X25519.
Result<SmpQueueUri> decode_queue_uri(std::string_view text);

}  // namespace smp::protocol
