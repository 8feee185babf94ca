// QueueInfo: the answer to QUE (INFO, SMP v14+), a queue's state for debugging, without its
// contents. Its wire form is the reference's JSON (Server/QueueStore/QueueInfo.hs at 6.5.5:
// aeson with omitNothingFields; the enums without their prefix, first letter lowered):
//   {"qiSnd":B,"qiNtf":B[,"qiSub":{"qSubThread":"noSub|subPending|subThread|prohibitSub"
//    [,"qDelivered":"<base64 msgId>"]}],"qiSize":N[,"qiMsg":{"msgId":"<base64>",
//    "msgTs":"<ISO 8601 UTC>","msgType":"message|quota"}]}
// Fields in that order (aeson's TH encoder writes the record's order), msgTs in whole seconds
// ("...Z": the server keeps whole seconds, and aeson writes no fraction for them). The parser
// takes any order and a fraction of a second (dropped), and ignores unknown fields, as aeson.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::protocol {

struct QueueInfo {
  // QSubThread: the state of the connection's subscription to the queue.
  enum class SubThread : std::uint8_t { no_sub, sub_pending, sub_thread, prohibit_sub };
  struct Sub {
    SubThread thread = SubThread::no_sub;
    std::optional<Bytes> delivered_msg_id{};  // the message delivered and not yet acknowledged
    bool operator==(const Sub&) const = default;
  };
  struct Msg {
    Bytes msg_id{};
    std::int64_t timestamp = 0;  // seconds since the epoch
    bool quota = false;          // the QUOTA marker rather than a message
    bool operator==(const Msg&) const = default;
  };

  bool sender_secured = false;   // qiSnd: the queue has a sender key
  bool notifier = false;         // qiNtf: notifications are on
  std::optional<Sub> sub{};      // qiSub: this connection's subscription, if any
  std::uint64_t size = 0;        // qiSize: messages waiting (the marker counts)
  std::optional<Msg> message{};  // qiMsg: the first of them

  bool operator==(const QueueInfo&) const = default;
};

std::string encode_queue_info(const QueueInfo& info);
// errc::response_parse when the text is not QueueInfo's JSON.
Result<QueueInfo> parse_queue_info(std::string_view json);

}  // namespace smp::protocol
