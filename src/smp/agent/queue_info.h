// SMPQueueInfo (spec §7.5): a queue's sender address as agents exchange it inside REPLY
// messages, in binary form
//   u16 clientVersion ‖ SMPServer ‖ short(senderId) ‖ short(SPKI X25519 e2e DH key)
// It is the single-version twin of the queue URI. Plain value type, pure functions;
// thread-safe.
#pragma once

#include <optional>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/version.h"
#include "smp/protocol/queue_uri.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

// Copyable value type.
struct SmpQueueInfo {
  enc::Version client_version;
  protocol::SmpServer server;
  Bytes sender_id;
  crypto::PublicKey dh_public_key;  // X25519
  friend bool operator==(const SmpQueueInfo&, const SmpQueueInfo&) = default;
};

// The writer fails with errc::wrong_algorithm unless the key is X25519, and with
// errc::value_too_large when a field exceeds 255 bytes.
void write_queue_info(enc::Writer& w, const SmpQueueInfo& info);
// nullopt with the reader's error set on failure (a key other than X25519 included).
std::optional<SmpQueueInfo> read_queue_info(enc::Reader& r);

// The same queue at one agreed version (toVersionT) and back (toVersionRangeT).
SmpQueueInfo to_queue_info(const protocol::SmpQueueUri& uri, enc::Version version);
protocol::SmpQueueUri to_queue_uri(const SmpQueueInfo& info, enc::VersionRange versions);

}  // namespace smp::agent
