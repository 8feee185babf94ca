// Malformed client transmissions answered as the reference answers them (spec §4.1, §4.3):
// the server_parse_cases of transmissions.json sent over a real connection, plus blocks the
// vectors cannot express (a bad length word). The connection stays usable after each.
#include "smp/server/server.h"

#include <gtest/gtest.h>

#include "server_test_util.h"
#include "smp/crypto/sign.h"
#include "smp/protocol/wire_format.h"
#include "support/vectors.h"

namespace smp::test {
namespace {

class ServerMalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.started());
    client_ = server_.connect();
    ASSERT_TRUE(client_);
  }
  TestServer server_;
  std::unique_ptr<TestClient> client_;
};

// The vectors were made on a connection whose session id is in every case but the "wrong
// session id" one; put ours in its place (it follows the signature field).
Bytes with_session_id(Bytes content, ByteView vector_session, ByteView ours) {
  if (content.empty()) return content;
  std::size_t at = 1 + content[0];
  if (content.size() < at + 1 + vector_session.size() || content[at] != vector_session.size()) {
    return content;
  }
  if (!std::equal(vector_session.begin(), vector_session.end(), content.begin() + static_cast<std::ptrdiff_t>(at + 1))) {
    return content;
  }
  std::copy(ours.begin(), ours.end(), content.begin() + static_cast<std::ptrdiff_t>(at + 1));
  return content;
}

errc expected_error(std::string_view text) {
  if (text == "BLOCK") return errc::smp_block;
  if (text == "SESSION") return errc::smp_session;
  if (text == "CMD UNKNOWN") return errc::smp_cmd_unknown;
  if (text == "CMD SYNTAX") return errc::smp_cmd_syntax;
  if (text == "CMD NO_AUTH") return errc::smp_cmd_no_auth;
  if (text == "CMD HAS_AUTH") return errc::smp_cmd_has_auth;
  if (text == "CMD NO_QUEUE") return errc::smp_cmd_no_queue;
  ADD_FAILURE() << "unexpected error in vectors: " << text;
  return errc::ok;
}

TEST_F(ServerMalformedTest, ServerParseCasesAreAnsweredAsByTheReference) {
  SMP_LOAD_VECTORS(v, "transmissions.json");
  const Bytes vector_session = hex(std::string_view("2f6a3f480868343e4359414a"));
  ASSERT_EQ(client_->session_id().size(), vector_session.size());
  int cases = 0;
  for (const auto& c : v.at("server_parse_cases").as_array()) {
    SCOPED_TRACE(str(c.at("name")));
    Bytes content = with_session_id(hex(c.at("unpadded")), vector_session, client_->session_id());
    const auto& parse = c.at("server_parse");
    errc e = expected_error(str(parse.at("command").at("error")));
    // SESSION and BLOCK answers carry no queue id; the corrId is as far as it was read.
    std::string corr = str(parse.at("corr_id").at("ascii"));
    Bytes qid = (e == errc::smp_block || e == errc::smp_session) ? Bytes{}
                                                                  : hex(parse.at("queue_id"));
    client_->send_content(content);
    expect_err(client_->receive(), e, corr, qid);
    ++cases;
  }
  EXPECT_EQ(cases, 15);
  expect_pong(*client_);
}

TEST_F(ServerMalformedTest, LengthWordBeyondTheBlockIsBlockWithEmptyIds) {
  Bytes block(protocol::kBlockSize, '#');
  block[0] = 0x40;  // 16384 + ... > 16382
  block[1] = 0x00;
  client_->send_raw(block);
  expect_err(client_->receive(), errc::smp_block, "", {});
  block[0] = 0x3f;  // 16383: one more than fits
  block[1] = 0xff;
  client_->send_raw(block);
  expect_err(client_->receive(), errc::smp_block, "", {});
  expect_pong(*client_);
}

TEST_F(ServerMalformedTest, SignatureOfWrongSizeIsBlockWithCorrId) {
  for (std::size_t size : {1u, 63u, 65u, 113u, 115u, 255u}) {
    Bytes content;
    content.push_back(static_cast<std::uint8_t>(size));
    content.insert(content.end(), size, 0x55);
    content.push_back(static_cast<std::uint8_t>(client_->session_id().size()));
    content.insert(content.end(), client_->session_id().begin(), client_->session_id().end());
    content.push_back(2);
    content.push_back('c');
    content.push_back('9');
    content.push_back(0);
    for (char ch : std::string_view("PING")) content.push_back(static_cast<std::uint8_t>(ch));
    client_->send_content(content);
    expect_err(client_->receive(), errc::smp_block, "c9", {});
  }
  expect_pong(*client_);
}

TEST_F(ServerMalformedTest, WrongSessionIdIsSessionWithCorrIdAndNoQueueId) {
  Bytes wrong = to_bytes(client_->session_id());
  wrong[0] ^= 0xff;
  protocol::TransmissionIds ids{wrong, as_bytes("w1"), as_bytes("some-queue")};
  auto content = protocol::encode_command_transmission(ids, cmd::Ping{}, nullptr);
  ASSERT_TRUE(content);
  client_->send_content(*content);
  expect_err(client_->receive(), errc::smp_session, "w1", {});
}

TEST_F(ServerMalformedTest, ServerTagsAndUnknownTagsAreCmdUnknown) {
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  Bytes qid(24, 7);
  for (std::string_view tag : {"OK", "MSG", "END", "PONG", "IDS", "HELLO", "sub"}) {
    SCOPED_TRACE(tag);
    Bytes signed_part;
    signed_part.push_back(static_cast<std::uint8_t>(client_->session_id().size()));
    signed_part.insert(signed_part.end(), client_->session_id().begin(),
                       client_->session_id().end());
    signed_part.push_back(1);
    signed_part.push_back('t');
    signed_part.push_back(24);
    signed_part.insert(signed_part.end(), qid.begin(), qid.end());
    signed_part.insert(signed_part.end(), tag.begin(), tag.end());
    Bytes sig = crypto::sign(key.private_key, signed_part);
    Bytes content;
    content.push_back(static_cast<std::uint8_t>(sig.size()));
    content.insert(content.end(), sig.begin(), sig.end());
    content.insert(content.end(), signed_part.begin(), signed_part.end());
    client_->send_content(content);
    expect_err(client_->receive(), errc::smp_cmd_unknown, "t", qid);
  }
}

}  // namespace
}  // namespace smp::test
