// The server's record of one SMP queue: the fields of the reference's QueueRec
// (Server/QueueStore.hs at simplexmq 6.5.5) — recipient keys, the DH secret shared with the
// recipient, sender id and key, queue mode, short-link data, notifier credentials, status,
// the date of last use and the recipient's service — and the types they are made of.
//
// Every type here is a copyable value, not synchronised (copy it out of the QueueStore, which
// does the locking). DhSecret25519 keeps its 32 bytes inline and wipes them on destruction.
// Link data, which can be 16 KB, is shared immutably (shared_ptr<const>), so copying a record
// never copies it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"

namespace smp::server {

// Recipient, sender, notifier, link and service ids: 24 random bytes (queueIdBytes in the
// reference; link ids come from the client's HKDF and are 24 bytes as well).
inline constexpr std::size_t kQueueIdSize = 24;
using QueueId = std::array<std::uint8_t, kQueueIdSize>;
using LinkId = QueueId;
using ServiceId = QueueId;

// nullopt unless `bytes` is exactly 24 bytes.
std::optional<QueueId> queue_id_from(ByteView bytes);
inline ByteView view(const QueueId& id) { return ByteView(id.data(), id.size()); }

// Hash for maps keyed by an id: its first 8 bytes, which are random (ids come from the CSPRNG
// or a hash; a peer cannot choose them freely). Hash tables that need avalanche must mix it
// (boost's do).
struct QueueIdHash {
  std::size_t operator()(const QueueId& id) const noexcept {
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < 8; ++i) h |= std::uint64_t{id[i]} << (8 * i);
    return static_cast<std::size_t>(h);
  }
};

// The keys that may authorize a queue's commands (RcvPublicAuthKey, SndPublicAuthKey,
// NtfPublicAuthKey): signature keys, and from SMP v7 X25519 keys used with crypto_box
// authenticators. X448 is never an authorization key.
inline constexpr crypto::AlgorithmSet kAuthKeyAlgorithms{
    crypto::KeyAlgorithm::ed25519, crypto::KeyAlgorithm::ed448, crypto::KeyAlgorithm::x25519};
constexpr bool is_auth_key_algorithm(crypto::KeyAlgorithm alg) {
  return kAuthKeyAlgorithms.contains(alg);
}

// A raw X25519 shared secret: rcvDhSecret, DH(recipient's key, server's key), with which the
// server encrypts every message for the recipient; and rcvNtfDhSecret, with which it encrypts
// notification metadata. Copyable on purpose (QueueRecord is a value); each copy is wiped when
// destroyed. Compared in constant time.
class DhSecret25519 {
 public:
  static constexpr std::size_t kSize = 32;

  DhSecret25519() = default;  // all zeros
  // nullopt unless `raw` is exactly 32 bytes.
  static std::optional<DhSecret25519> from(ByteView raw);

  DhSecret25519(const DhSecret25519&) = default;
  DhSecret25519& operator=(const DhSecret25519&) = default;
  ~DhSecret25519() { secure_wipe(bytes_.data(), bytes_.size()); }

  ByteView view() const { return ByteView(bytes_.data(), bytes_.size()); }
  const std::uint8_t* data() const { return bytes_.data(); }
  bool is_zero() const;

  friend bool operator==(const DhSecret25519& a, const DhSecret25519& b) {
    return constant_time_equal(a.view(), b.view());
  }

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

// SystemDate: seconds since the Unix epoch rounded down to a whole day (the reference's
// RoundedSystemTime 86400). A date read from a store log is kept as written.
using SystemDate = std::int64_t;
inline constexpr std::int64_t kSecondsPerDay = 86400;
// The date of a time in seconds since the epoch (floor, also before 1970).
SystemDate system_date_of(std::int64_t unix_seconds);

// QueueMode: set by NEW from SMP v9 on; absent for older queues (and every v1 queue).
enum class QueueMode : std::uint8_t { messaging, contact };

enum class QueueStatus : std::uint8_t { active, off, blocked };

enum class BlockingReason : std::uint8_t { spam, content };

// ClientNotice (Protocol/Types.hs): how long the notice applies; nullopt ttl = indefinitely.
struct ClientNotice {
  std::optional<std::int64_t> ttl = std::nullopt;
  friend bool operator==(const ClientNotice&, const ClientNotice&) = default;
};

// Why a queue was blocked (BLOCKED errors carry it from SMP v12, the notice from v18).
struct BlockingInfo {
  BlockingReason reason = BlockingReason::spam;
  std::optional<ClientNotice> notice = std::nullopt;
  friend bool operator==(const BlockingInfo&, const BlockingInfo&) = default;
};

// A queue's short-link data (LSET, or NEW from SMP v15): the link id LGET/LKEY name, and the
// two encrypted blobs (EncFixedDataBytes, EncUserDataBytes), opaque to the server.
struct QueueLinkData {
  LinkId link_id{};
  Bytes fixed_data = {};
  Bytes user_data = {};
  friend bool operator==(const QueueLinkData&, const QueueLinkData&) = default;
};

// NtfCreds: the notifier's id and key, the recipient's notification DH secret and the
// notifier's service. `dh_secret` is absent for a notifier created by SMP v1's NKEY, which
// has no DH key (the store log writes it as 32 zero bytes, read back as absent).
struct NotifierCredentials {
  QueueId notifier_id;
  crypto::PublicKey notifier_key;  // Ed25519 / Ed448 / X25519
  std::optional<DhSecret25519> dh_secret = std::nullopt;
  std::optional<ServiceId> service_id = std::nullopt;

  friend bool operator==(const NotifierCredentials&, const NotifierCredentials&) = default;
};

// Not default-constructible (a PublicKey always holds a key); build it with designated
// initialisers: QueueRecord{.recipient_id = r, .sender_id = s, .recipient_key = k, ...}.
// recipientKeys is a non-empty list: `recipient_key` is its first key, `more_recipient_keys`
// the rest (RKEY replaces the whole list; most queues have one key).
struct QueueRecord {
  QueueId recipient_id;
  QueueId sender_id;
  crypto::PublicKey recipient_key;
  DhSecret25519 recipient_dh_secret;
  std::vector<crypto::PublicKey> more_recipient_keys = {};
  std::optional<crypto::PublicKey> sender_key = std::nullopt;  // KEY / SKEY / LKEY
  std::optional<QueueMode> mode = std::nullopt;
  std::shared_ptr<const QueueLinkData> link = nullptr;          // LSET / LDEL; null = none
  std::optional<NotifierCredentials> notifier = std::nullopt;  // NKEY / NDEL
  QueueStatus status = QueueStatus::active;
  BlockingInfo blocking = {};  // meaningful only when status == blocked
  std::optional<SystemDate> updated_at = std::nullopt;
  std::optional<ServiceId> recipient_service = std::nullopt;  // rcvServiceId

  // Link data compared by value; `blocking` only when blocked.
  friend bool operator==(const QueueRecord& a, const QueueRecord& b);
};

// The recipient keys in order (recipient_key first).
std::vector<crypto::PublicKey> recipient_keys(const QueueRecord& q);
// Whether `key` is one of the recipient keys.
bool has_recipient_key(const QueueRecord& q, const crypto::PublicKey& key);
// The reference's isContactQueue: contact mode, or no mode and no sender key (contact
// addresses made before SKEY).
bool is_contact_queue(const QueueRecord& q);
// The reference's isSecuredMsgQueue: not contact mode, and a sender key is set.
bool is_secured_messaging_queue(const QueueRecord& q);

}  // namespace smp::server
