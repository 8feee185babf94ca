#include "smp/agent/agent_message.h"

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

error_code err(errc e) { return make_error_code(e); }

SmpQueueInfo queue(std::uint8_t seed) {
  return SmpQueueInfo{1, protocol::SmpServer{"smp.example.com", "", Bytes(32, seed)},
                      Bytes(24, seed), crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
}

Bytes hash() { return Bytes(kMsgHashSize, 0xab); }

// Built field by field: GCC 12 warns (falsely) about nested aggregate temporaries here.
AgentMessage msg(std::int64_t id, Bytes prev_hash, AMessage message) {
  AgentMessage out;
  out.header.snd_msg_id = id;
  out.header.prev_msg_hash = std::move(prev_hash);
  out.message = std::move(message);
  return out;
}

TEST(AgentMessage, EveryKindRoundTrips) {
  std::vector<AgentPlaintext> values = {
      AgentConnInfo{to_bytes("profile")},
      AgentConnInfo{{}},
      msg(1, {}, HelloMessage{}),
      msg(2, hash(), ReplyMessage{{queue(1), queue(2)}}),
      msg(3, hash(), UserMessage{to_bytes("hello")}),
      msg(-1, hash(), UserMessage{{}}),
  };
  for (const auto& value : values) {
    auto bytes = encode_agent_plaintext(value);
    ASSERT_TRUE(bytes);
    auto back = decode_agent_plaintext(bytes.value());
    ASSERT_TRUE(back) << to_hex(bytes.value());
    EXPECT_EQ(back.value(), value);
  }
}

TEST(AgentMessage, RejectsMalformedInput) {
  EXPECT_EQ(decode_agent_plaintext({}).error(), err(errc::truncated));
  EXPECT_EQ(decode_agent_plaintext(as_bytes("X")).error(), err(errc::bad_tag));
  EXPECT_EQ(decode_agent_plaintext(as_bytes("M\x00")).error(), err(errc::truncated));
  Bytes header = {'M', 0, 0, 0, 0, 0, 0, 0, 1, 0};
  auto with = [&](std::string_view rest) {
    Bytes b = header;
    append(b, as_bytes(rest));
    return b;
  };
  EXPECT_EQ(decode_agent_plaintext(header).error(), err(errc::truncated));  // no AMessage
  EXPECT_EQ(decode_agent_plaintext(with("Q")).error(), err(errc::bad_tag));
  EXPECT_EQ(decode_agent_plaintext(with("Hx")).error(), err(errc::trailing_bytes));
  EXPECT_EQ(decode_agent_plaintext(with(std::string_view("R\x00", 2))).error(),
            err(errc::bad_syntax));
  EXPECT_EQ(decode_agent_plaintext(with(std::string_view("R\x01", 2))).error(),
            err(errc::truncated));
  // Hash length beyond the end.
  EXPECT_EQ(decode_agent_plaintext(Bytes{'M', 0, 0, 0, 0, 0, 0, 0, 1, 33, 1}).error(),
            err(errc::truncated));
}

TEST(AgentMessage, ReplyAfterItsQueuesIsTrailingBytes) {
  Bytes bytes = encode_agent_plaintext(msg(1, {}, ReplyMessage{{queue(1)}})).value();
  bytes.push_back(0);
  EXPECT_EQ(decode_agent_plaintext(bytes).error(), err(errc::trailing_bytes));
}

TEST(AgentMessage, EmptyReplyIsNotEncoded) {
  EXPECT_EQ(encode_agent_plaintext(msg(1, {}, ReplyMessage{})).error(), err(errc::bad_syntax));
}

TEST(AgentMessage, UserMessageLimitIs15811Bytes) {
  AgentMessage m = msg(7, hash(), UserMessage{Bytes(kMaxUserMessageSize, 'x')});
  auto bytes = encode_agent_plaintext(m);
  ASSERT_TRUE(bytes);
  // Exactly what the ratchet can pad to 15856.
  EXPECT_EQ(bytes.value().size(), kUserMsgPaddedLength - 2);
  std::get<UserMessage>(m.message).body.push_back('x');
  EXPECT_EQ(encode_agent_plaintext(m).error(), err(errc::crypto_large_msg));
  // The limit does not depend on the hash being there.
  m.header.prev_msg_hash.clear();
  EXPECT_EQ(encode_agent_plaintext(m).error(), err(errc::crypto_large_msg));
}

TEST(AgentMessage, ConnInfoLimitIs14845Bytes) {
  AgentConnInfo info{Bytes(kMaxConnInfoSize, 'i')};
  auto bytes = encode_agent_plaintext(info);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes.value().size(), kConnInfoPaddedLength - 2);
  info.conn_info.push_back('i');
  EXPECT_EQ(encode_agent_plaintext(info).error(), err(errc::crypto_large_msg));
}

TEST(AgentMessage, ReplyTooLargeForThePaddingIsRefused) {
  ReplyMessage reply;
  auto q = queue(1);
  q.server.host = std::string(255, 'h');
  q.server.key_hash = Bytes(255, 1);
  q.sender_id = Bytes(255, 2);
  reply.queues.assign(30, q);  // about 23 KB
  EXPECT_EQ(encode_agent_plaintext(msg(1, {}, reply)).error(), err(errc::crypto_large_msg));
}

}  // namespace
}  // namespace smp::agent
