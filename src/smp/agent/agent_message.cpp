#include "smp/agent/agent_message.h"

#include "smp/common/overloaded.h"
#include "smp/encoding/containers.h"

namespace smp::agent {
namespace {

constexpr char kConnInfoTag = 'I';
constexpr char kMessageTag = 'M';
constexpr char kHelloTag = 'H';
constexpr char kReplyTag = 'R';
constexpr char kUserMessageTag = 'M';

}  // namespace

void write_a_priv_header(enc::Writer& w, const APrivHeader& header) {
  w.i64(header.snd_msg_id).short_bytes(header.prev_msg_hash);
}

std::optional<APrivHeader> read_a_priv_header(enc::Reader& r) {
  std::int64_t id = r.i64();
  ByteView hash = r.short_bytes();
  if (!r.ok()) return std::nullopt;
  return APrivHeader{id, to_bytes(hash)};
}

void write_a_message(enc::Writer& w, const AMessage& message) {
  std::visit(Overloaded{
                 [&](const HelloMessage&) { w.ch(kHelloTag); },
                 [&](const ReplyMessage& m) {
                   if (m.queues.empty()) {
                     w.fail(errc::bad_syntax);
                     return;
                   }
                   w.ch(kReplyTag);
                   enc::write_list(w, m.queues, write_queue_info);
                 },
                 [&](const UserMessage& m) { w.ch(kUserMessageTag).raw(m.body); },
             },
             message);
}

std::optional<AMessage> read_a_message(enc::Reader& r) {
  char tag = r.ch();
  if (!r.ok()) return std::nullopt;
  switch (tag) {
    case kHelloTag:
      return HelloMessage{};
    case kReplyTag: {
      auto queues = enc::read_non_empty(r, read_queue_info);
      if (!r.ok()) return std::nullopt;
      return ReplyMessage{std::move(queues)};
    }
    case kUserMessageTag:
      return UserMessage{to_bytes(r.tail())};
    default:
      r.fail(errc::bad_tag);
      return std::nullopt;
  }
}

Result<Bytes> encode_agent_plaintext(const AgentPlaintext& plaintext) {
  enc::Writer w;
  std::visit(Overloaded{
                 [&](const AgentConnInfo& c) {
                   if (c.conn_info.size() > kMaxConnInfoSize) {
                     w.fail(errc::crypto_large_msg);
                     return;
                   }
                   w.ch(kConnInfoTag).raw(c.conn_info);
                 },
                 [&](const AgentMessage& m) {
                   const auto* user = std::get_if<UserMessage>(&m.message);
                   if (user && user->body.size() > kMaxUserMessageSize) {
                     w.fail(errc::crypto_large_msg);
                     return;
                   }
                   w.ch(kMessageTag);
                   write_a_priv_header(w, m.header);
                   write_a_message(w, m.message);
                   if (w.ok() && w.size() > kUserMsgPaddedLength - kPadLengthPrefix) {
                     w.fail(errc::crypto_large_msg);
                   }
                 },
             },
             plaintext);
  return std::move(w).finish();
}

Result<AgentPlaintext> decode_agent_plaintext(ByteView bytes) {
  enc::Reader r(bytes);
  char tag = r.ch();
  std::optional<AgentPlaintext> out;
  if (r.ok()) {
    if (tag == kConnInfoTag) {
      out = AgentConnInfo{to_bytes(r.tail())};
    } else if (tag == kMessageTag) {
      auto header = read_a_priv_header(r);
      auto message = read_a_message(r);
      if (r.ok()) out = AgentMessage{std::move(*header), std::move(*message)};
    } else {
      r.fail(errc::bad_tag);
    }
  }
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return std::move(*out);
}

}  // namespace smp::agent
