// The server's record of one SMP queue (spec §4.6, §5): its three ids, the recipient's and
// sender's signature keys, the DH secret shared with the recipient, the optional notifier
// credentials and the status.
//
// Every type here is a copyable value, not synchronised (copy it out of the QueueStore, which
// does the locking). DhSecret25519 keeps its 32 bytes inline and wipes them on destruction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "smp/common/bytes.h"
#include "smp/crypto/keys.h"

namespace smp::server {

// Recipient, sender and notifier ids: 24 random bytes (queueIdBytes in the reference).
inline constexpr std::size_t kQueueIdSize = 24;
using QueueId = std::array<std::uint8_t, kQueueIdSize>;

// nullopt unless `bytes` is exactly 24 bytes.
std::optional<QueueId> queue_id_from(ByteView bytes);
inline ByteView view(const QueueId& id) { return ByteView(id.data(), id.size()); }

// Hash for maps keyed by an id: its first 8 bytes, which are random (ids come from the CSPRNG;
// a peer cannot choose them). Hash tables that need avalanche must mix it (boost's do).
struct QueueIdHash {
  std::size_t operator()(const QueueId& id) const noexcept {
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < 8; ++i) h |= std::uint64_t{id[i]} << (8 * i);
    return static_cast<std::size_t>(h);
  }
};

enum class QueueStatus : std::uint8_t { active, off };

// The raw X25519 secret DH(recipient's key, server's key) (rcvDhSecret): the server encrypts
// every stored message body with it. Copyable on purpose (QueueRecord is a value); each copy
// is wiped when destroyed. Compared in constant time.
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

  friend bool operator==(const DhSecret25519& a, const DhSecret25519& b) {
    return constant_time_equal(a.view(), b.view());
  }

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

struct NotifierCredentials {
  QueueId notifier_id;
  crypto::PublicKey notifier_key;  // Ed25519 / Ed448

  friend bool operator==(const NotifierCredentials&, const NotifierCredentials&) = default;
};

// Not default-constructible (a PublicKey always holds a key); build it with designated
// initialisers: QueueRecord{.recipient_id = r, .sender_id = s, .recipient_key = k, ...}.
struct QueueRecord {
  QueueId recipient_id;
  QueueId sender_id;
  crypto::PublicKey recipient_key;  // Ed25519 / Ed448
  DhSecret25519 recipient_dh_secret;
  std::optional<crypto::PublicKey> sender_key = std::nullopt;  // set once by KEY
  std::optional<NotifierCredentials> notifier = std::nullopt;  // set once by NKEY
  QueueStatus status = QueueStatus::active;

  friend bool operator==(const QueueRecord&, const QueueRecord&) = default;
};

}  // namespace smp::server
