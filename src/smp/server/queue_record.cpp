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

}  // namespace smp::server
