#include "smp/agent/migrations_internal.h"

namespace smp::agent::detail {

// A pending message may be stored before its body is encrypted: messages.msg_body then holds
// the AgentMessage and snd_messages.body_keys the ratchet's keys for it (RatchetBodyKeys,
// ratchet_codec.h); the body is encrypted, the same bytes every time, when it is sent. NULL
// means msg_body is the finished AgentMsgEnvelope (rows written before this migration).
std::string_view migration_0002_body_keys() {
  return R"sql(
ALTER TABLE snd_messages ADD COLUMN body_keys BLOB;
)sql";
}

}  // namespace smp::agent::detail
