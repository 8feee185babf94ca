// MSG metadata (spec §7.2):
//   <integrity> R=<internal id>,<ts> B=<b64 broker msg id>,<ts> S=<sender's msg id>
//   integrity = OK | ERR ID <n> | ERR NO_ID <from> <to> | ERR HASH | ERR DUPLICATE
// Timestamps as enc::Timestamp (milliseconds, UTC); the broker id in standard base64.
// Quirk Q5: the reference writes skipped ids as "ERR NO_ID a b" but parses only
// "ERR IDS a b"; we write NO_ID and accept both. Ids are non-negative decimals; larger than
// int64 is a syntax error (the reference wraps). Plain value types, pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/encoding/iso8601.h"

namespace smp::agent {

struct MsgOk {
  friend bool operator==(const MsgOk&, const MsgOk&) = default;
};
// The sender's ids from..to never arrived.
struct MsgSkipped {
  std::int64_t from;
  std::int64_t to;
  friend bool operator==(const MsgSkipped&, const MsgSkipped&) = default;
};
// An id lower than the last one received.
struct MsgBadId {
  std::int64_t id;
  friend bool operator==(const MsgBadId&, const MsgBadId&) = default;
};
struct MsgBadHash {
  friend bool operator==(const MsgBadHash&, const MsgBadHash&) = default;
};
struct MsgDuplicate {
  friend bool operator==(const MsgDuplicate&, const MsgDuplicate&) = default;
};
using MsgIntegrity = std::variant<MsgOk, MsgSkipped, MsgBadId, MsgBadHash, MsgDuplicate>;

// Copyable value type.
struct MsgMeta {
  MsgIntegrity integrity;
  std::int64_t recipient_id;  // the receiving agent's internal id (what ACK takes)
  enc::Timestamp recipient_ts;
  Bytes broker_id;  // the server's message id
  enc::Timestamp broker_ts;
  std::int64_t snd_msg_id;  // the sending agent's id
  friend bool operator==(const MsgMeta&, const MsgMeta&) = default;
};

// errc::bad_syntax for a negative id, an empty broker id or a timestamp outside years
// 0000-9999: none of those could be read back.
Result<std::string> encode_msg_integrity(const MsgIntegrity& integrity);
Result<std::string> encode_msg_meta(const MsgMeta& meta);

// From the front of `in`, which is advanced past the metadata (and left unchanged on error);
// errc::bad_syntax on failure.
Result<MsgIntegrity> parse_msg_integrity(std::string_view& in);
Result<MsgMeta> parse_msg_meta(std::string_view& in);

// A non-negative decimal from the front of `in` (1+ digits, up to INT64_MAX); `in` is
// unchanged on failure. Shared by the commands that carry ids.
Result<std::int64_t> parse_decimal_id(std::string_view& in);

}  // namespace smp::agent
