#include "smp/server/queue_record.h"

#include <algorithm>

namespace smp::server {

std::optional<QueueId> queue_id_from(ByteView bytes) {
  if (bytes.size() != kQueueIdSize) return std::nullopt;
  QueueId id;
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

std::optional<DhSecret25519> DhSecret25519::from(ByteView raw) {
  if (raw.size() != kSize) return std::nullopt;
  DhSecret25519 s;
  std::copy(raw.begin(), raw.end(), s.bytes_.begin());
  return s;
}

bool DhSecret25519::is_zero() const {
  std::uint8_t any = 0;
  for (std::uint8_t b : bytes_) any = static_cast<std::uint8_t>(any | b);
  return any == 0;
}

SystemDate system_date_of(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / kSecondsPerDay;
  if (unix_seconds % kSecondsPerDay < 0) --days;  // Haskell's `div` rounds down
  return days * kSecondsPerDay;
}

bool operator==(const QueueRecord& a, const QueueRecord& b) {
  auto same_link = [](const std::shared_ptr<const QueueLinkData>& x,
                      const std::shared_ptr<const QueueLinkData>& y) {
    if (!x || !y) return !x && !y;
    return *x == *y;
  };
  auto same_status = [](const QueueRecord& x, const QueueRecord& y) {
    return x.status == y.status && (x.status != QueueStatus::blocked || x.blocking == y.blocking);
  };
  return a.recipient_id == b.recipient_id && a.sender_id == b.sender_id &&
         a.recipient_key == b.recipient_key && a.recipient_dh_secret == b.recipient_dh_secret &&
         a.more_recipient_keys == b.more_recipient_keys && a.sender_key == b.sender_key &&
         a.mode == b.mode && same_link(a.link, b.link) && a.notifier == b.notifier &&
         same_status(a, b) && a.updated_at == b.updated_at &&
         a.recipient_service == b.recipient_service;
}

std::vector<crypto::PublicKey> recipient_keys(const QueueRecord& q) {
  std::vector<crypto::PublicKey> keys;
  keys.reserve(1 + q.more_recipient_keys.size());
  keys.push_back(q.recipient_key);
  keys.insert(keys.end(), q.more_recipient_keys.begin(), q.more_recipient_keys.end());
  return keys;
}

bool has_recipient_key(const QueueRecord& q, const crypto::PublicKey& key) {
  return q.recipient_key == key ||
         std::find(q.more_recipient_keys.begin(), q.more_recipient_keys.end(), key) !=
             q.more_recipient_keys.end();
}

bool is_contact_queue(const QueueRecord& q) {
  if (q.mode) return *q.mode == QueueMode::contact;
  return !q.sender_key;
}

bool is_secured_messaging_queue(const QueueRecord& q) {
  if (q.mode == QueueMode::contact) return false;
  return q.sender_key.has_value();
}

}  // namespace smp::server
