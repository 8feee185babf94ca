// GCC 12 -O3 reports false -Wnull-dereference in Asio and boost::system::result internals.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "smp/transport/handshake.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"
#include "support/fake_block_transport.h"
#include "support/run_awaitable.h"
#include "support/vectors.h"

namespace smp::transport {
namespace {

using test::FakeBlockTransport;
using test::hex;

// The reference's outcome strings in transmissions.json → our error values.
errc expected_error(std::string_view outcome) {
  if (outcome == "error: TEHandshake IDENTITY") return errc::handshake_identity;
  if (outcome == "error: TEHandshake VERSION") return errc::handshake_version;
  if (outcome == "error: TEHandshake PARSE") return errc::handshake_parse;
  if (outcome == "error: TEBadSession") return errc::bad_session;
  ADD_FAILURE() << "unknown outcome " << outcome;
  return errc::ok;
}

class HandshakeVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = test::read_vectors("transmissions.json");
    if (!v) GTEST_SKIP() << "vectors not found: " << test::vectors_dir();
    h_ = v->at("handshake");
    key_hash_ = hex(h_.at("key_hash"));
    session_id_ = hex(h_.at("session_id"));
  }

  Result<std::uint16_t> run_server(FakeBlockTransport& t) {
    auto r = test::run_awaitable(io_, server_handshake(t, key_hash_));
    return r ? *r : Result<std::uint16_t>(make_error_code(errc::timeout));
  }
  Result<std::uint16_t> run_client(FakeBlockTransport& t) {
    auto r = test::run_awaitable(io_, client_handshake(t, key_hash_));
    return r ? *r : Result<std::uint16_t>(make_error_code(errc::timeout));
  }

  boost::asio::io_context io_;
  boost::json::value h_;
  Bytes key_hash_;
  Bytes session_id_;
};

TEST_F(HandshakeVectors, ServerBlockEncodesAndPadsLikeReference) {
  auto encoded = encode_server_handshake({1, 1, session_id_});
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(to_hex(*encoded), test::str(h_.at("server_handshake_unpadded")));
  auto padded = enc::pad(*encoded, protocol::kBlockSize);
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(*padded, hex(h_.at("server_handshake_padded")));
}

TEST_F(HandshakeVectors, ClientBlockEncodesAndPadsLikeReference) {
  auto encoded = encode_client_handshake({1, key_hash_});
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(to_hex(*encoded), test::str(h_.at("client_handshake_unpadded")));
  auto padded = enc::pad(*encoded, protocol::kBlockSize);
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(*padded, hex(h_.at("client_handshake_padded")));
}

TEST_F(HandshakeVectors, ParsesBothReferenceBlocks) {
  Bytes server_padded = hex(h_.at("server_handshake_padded"));
  auto server_block = enc::unpad(server_padded);
  ASSERT_TRUE(server_block.has_value());
  auto server = parse_server_handshake(*server_block);
  ASSERT_TRUE(server.has_value());
  EXPECT_EQ(server->min_version, 1);
  EXPECT_EQ(server->max_version, 1);
  EXPECT_EQ(server->session_id, session_id_);

  Bytes client_padded = hex(h_.at("client_handshake_padded"));
  auto client_block = enc::unpad(client_padded);
  ASSERT_TRUE(client_block.has_value());
  auto client = parse_client_handshake(*client_block);
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->version, 1);
  EXPECT_EQ(client->key_hash, key_hash_);
}

TEST_F(HandshakeVectors, ServerSendsReferenceBlockAndAcceptsReferenceReply) {
  FakeBlockTransport t(io_.get_executor(), session_id_);
  t.push_padded(hex(h_.at("client_handshake_padded")));
  auto version = run_server(t);
  ASSERT_TRUE(version.has_value()) << version.error().message();
  EXPECT_EQ(*version, 1);  // "ok, version 1"
  EXPECT_EQ(t.smp_version(), 1);
  ASSERT_EQ(t.written().size(), 1u);
  EXPECT_EQ(t.written()[0], hex(h_.at("server_handshake_padded")));
  EXPECT_FALSE(t.closed());
}

TEST_F(HandshakeVectors, ClientAnswersReferenceServerBlock) {
  FakeBlockTransport t(io_.get_executor(), session_id_);
  t.push_padded(hex(h_.at("server_handshake_padded")));
  auto version = run_client(t);
  ASSERT_TRUE(version.has_value()) << version.error().message();
  EXPECT_EQ(*version, 1);
  ASSERT_EQ(t.written().size(), 1u);
  EXPECT_EQ(t.written()[0], hex(h_.at("client_handshake_padded")));
}

TEST_F(HandshakeVectors, NegativeCasesGiveReferenceOutcome) {
  const auto& cases = h_.at("negative").as_array();
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    SCOPED_TRACE(test::str(o.at("name")));
    FakeBlockTransport t(io_.get_executor(), session_id_);
    if (o.contains("client_block_unpadded")) {
      t.push_content(hex(o.at("client_block_unpadded")));
      auto r = run_server(t);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error(), expected_error(test::str(o.at("server_result"))));
      // The server closes without sending anything after its own block.
      EXPECT_TRUE(t.closed());
      EXPECT_EQ(t.written().size(), 1u);
    } else {
      t.push_content(hex(o.at("server_block_unpadded")));
      auto r = run_client(t);
      std::string outcome = test::str(o.at("client_result"));
      if (outcome == "ok, version 1") {
        ASSERT_TRUE(r.has_value()) << r.error().message();
        EXPECT_EQ(*r, 1);
        ASSERT_EQ(t.written().size(), 1u);
        auto reply = enc::unpad(t.written()[0]);
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(to_hex(*reply), test::str(o.at("client_reply_unpadded")));
      } else {
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), expected_error(outcome));
        EXPECT_TRUE(t.written().empty());
      }
    }
  }
}

TEST_F(HandshakeVectors, ServerChecksIdentityBeforeVersion) {
  FakeBlockTransport t(io_.get_executor(), session_id_);
  Bytes wrong = key_hash_;
  wrong[0] ^= 1;
  t.push_content(encode_client_handshake({2, wrong}).value());
  auto r = run_server(t);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::handshake_identity);
}

TEST_F(HandshakeVectors, ServerRejectsKeyHashOfOtherLength) {
  FakeBlockTransport t(io_.get_executor(), session_id_);
  Bytes shorter(key_hash_.begin(), key_hash_.end() - 1);
  t.push_content(encode_client_handshake({1, shorter}).value());
  auto r = run_server(t);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::handshake_identity);
}

TEST_F(HandshakeVectors, ServerClosesOnUnparsableReply) {
  for (const char* body : {"", "00", "0001", "000120", "00012028f6",
                           // a valid reply with a trailing byte
                           "00012028f69a3bcdcef736d64f6fcfc4ccd85885fcf1808ca7ddb739966bdd1d51"
                           "ac5100"}) {
    SCOPED_TRACE(body);
    FakeBlockTransport t(io_.get_executor(), session_id_);
    t.push_content(hex(std::string_view(body)));
    auto r = run_server(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::handshake_parse);
    EXPECT_TRUE(t.closed());
  }
}

TEST_F(HandshakeVectors, ServerReportsEofAndBadPadding) {
  {
    FakeBlockTransport t(io_.get_executor(), session_id_);
    auto r = run_server(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::connection_closed);
    EXPECT_TRUE(t.closed());
  }
  {
    FakeBlockTransport t(io_.get_executor(), session_id_);
    Bytes block(protocol::kBlockSize, '#');
    block[0] = 0x40;  // length 0x40xx > 16382
    t.push_padded(block);
    auto r = run_server(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::transport_large_msg);
  }
}

TEST_F(HandshakeVectors, ClientRejectsMalformedServerBlocks) {
  for (const char* body : {"", "0001", "00010001", "000100010c2f6a",
                           "000200010c2f6a3f480868343e4359414a",     // min > max
                           "000100010c2f6a3f480868343e4359414a00"}) {  // trailing byte
    SCOPED_TRACE(body);
    FakeBlockTransport t(io_.get_executor(), session_id_);
    t.push_content(hex(std::string_view(body)));
    auto r = run_client(t);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::handshake_parse);
    EXPECT_TRUE(t.written().empty());
  }
}

TEST(Handshake, ClientPicksHighestCommonVersion) {
  Bytes sid(12, 7), kh(32, 9);
  auto reply = answer_server_handshake({1, 5, sid}, sid, kh);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->version, protocol::kSmpVersionMax);
  EXPECT_EQ(reply->key_hash, kh);
  EXPECT_EQ(answer_server_handshake({0, 0, sid}, sid, kh).error(), errc::handshake_version);
  // The session id is checked before the version.
  EXPECT_EQ(answer_server_handshake({2, 3, Bytes(12, 1)}, sid, kh).error(), errc::bad_session);
}

TEST(Handshake, ServerAcceptsOnlySupportedVersions) {
  Bytes kh(32, 9);
  EXPECT_EQ(accept_client_handshake({1, kh}, kh).value(), 1);
  EXPECT_EQ(accept_client_handshake({0, kh}, kh).error(), errc::handshake_version);
  EXPECT_EQ(accept_client_handshake({2, kh}, kh).error(), errc::handshake_version);
}

TEST(Handshake, EncoderRefusesOverlongFields) {
  EXPECT_EQ(encode_server_handshake({1, 1, Bytes(256, 0)}).error(), errc::value_too_large);
  EXPECT_EQ(encode_client_handshake({1, Bytes(256, 0)}).error(), errc::value_too_large);
}

}  // namespace
}  // namespace smp::transport
