#include "smp/transport/block_encryption.h"

#include <gtest/gtest.h>

#include "smp/crypto/cbox.h"
#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"
#include "support/vectors.h"

namespace smp::transport {
namespace {

using protocol::kBlockSize;
using protocol::kEncryptedBlockPadded;
using test::hex;

// Hex text to bytes (a literal is ambiguous between hex's two overloads).
Bytes unhex(std::string_view h) { return smp::test::hex(h); }

// The inputs of sb_chain_test.cpp's known answers: a 32-byte session id and cbox.json's
// dh_x25519[0] secret.
const Bytes kSessionId = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const Bytes kSecret = unhex("780fdde5c9a28ca0722bdc42933d3d1a9bdb989aff219cd48839105a79b2267c");

// A block as a sender lays it out before seal(): room for the tag, then the padded content.
Bytes plain_block(std::string_view content) {
  Bytes block(kBlockSize);
  EXPECT_TRUE(enc::pad_into(as_bytes(content), std::span(block).subspan(16)));
  return block;
}

std::string open_content(BlockEncryption& e, Bytes& block) {
  auto opened = e.open(block);
  if (!opened) return "error: " + opened.error().message();
  EXPECT_EQ(opened->size(), kEncryptedBlockPadded);
  auto content = enc::unpad(*opened);
  return content ? std::string(as_chars(*content)) : "bad padding";
}

TEST(BlockEncryption, ServerAndClientChainsMeetInBothDirections) {
  auto server = BlockEncryption::start(kSessionId, kSecret, TlsRole::server);
  auto client = BlockEncryption::start(kSessionId, kSecret, TlsRole::client);
  ASSERT_TRUE(server && client);
  for (int i = 0; i < 3; ++i) {
    Bytes down = plain_block("to the client " + std::to_string(i));
    ASSERT_TRUE(server->seal(down));
    EXPECT_EQ(open_content(*client, down), "to the client " + std::to_string(i));
    Bytes up = plain_block("to the server " + std::to_string(i));
    ASSERT_TRUE(client->seal(up));
    EXPECT_EQ(open_content(*server, up), "to the server " + std::to_string(i));
  }
}

// tPutBlock: sbEncrypt sk nonce block (blockSize - 16) with (sk, nonce) from sbcHkdf of the
// send chain; the server's send chain is sbcInit's first key. So the server's first block is
// exactly crypto_box (the reference's cryptoBox, sbEncrypt_ = cbEncrypt) under the first
// step's key and nonce, whose values sb_chain_test.cpp pins down.
TEST(BlockEncryption, ServerFirstBlockIsTheFirstChainStepsSecretBox) {
  auto server = BlockEncryption::start(kSessionId, kSecret, TlsRole::server);
  ASSERT_TRUE(server);
  Bytes block = plain_block("hello");
  ASSERT_TRUE(server->seal(block));
  auto key = crypto::CbKey::from_dh_secret(
      unhex("7d0c3c381ffe19ad28aa3e8a7af42c22864cbe81d97b5c9faacaa91236546a73"));
  ASSERT_TRUE(key);
  auto nonce = crypto::cb_nonce(unhex("1b3e3f5ed4e9f085e2fa2af2a07d1edade6f34465d94476f"));
  auto expected = key->encrypt(nonce, as_bytes("hello"), kEncryptedBlockPadded);
  ASSERT_TRUE(expected);
  EXPECT_EQ(block, *expected);
  EXPECT_EQ(block.size(), kBlockSize);
}

TEST(BlockEncryption, ABlockThatDoesNotAuthenticateIsLargeMsgAndTheStreamStaysInSync) {
  auto server = BlockEncryption::start(kSessionId, kSecret, TlsRole::server);
  auto client = BlockEncryption::start(kSessionId, kSecret, TlsRole::client);
  ASSERT_TRUE(server && client);
  Bytes first = plain_block("one");
  Bytes second = plain_block("two");
  ASSERT_TRUE(server->seal(first));
  ASSERT_TRUE(server->seal(second));
  first[100] ^= 0x40;
  auto bad = client->open(first);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), errc::transport_large_msg);
  // The receive chain moved on: the next block opens with the next key.
  EXPECT_EQ(open_content(*client, second), "two");
}

TEST(BlockEncryption, BlocksOutOfOrderOrOfAnotherSessionFail) {
  auto server = BlockEncryption::start(kSessionId, kSecret, TlsRole::server);
  ASSERT_TRUE(server);
  Bytes first = plain_block("one");
  Bytes second = plain_block("two");
  ASSERT_TRUE(server->seal(first));
  ASSERT_TRUE(server->seal(second));
  auto client = BlockEncryption::start(kSessionId, kSecret, TlsRole::client);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->open(second).error(), errc::transport_large_msg);
  Bytes other_id = kSessionId;
  other_id[0] ^= 1;
  auto stranger = BlockEncryption::start(other_id, kSecret, TlsRole::client);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->open(first).error(), errc::transport_large_msg);
  // A server reading what it sent itself: its receive chain is the client's send chain.
  auto again = BlockEncryption::start(kSessionId, kSecret, TlsRole::server);
  Bytes third = plain_block("three");
  ASSERT_TRUE(again->seal(third));
  EXPECT_EQ(again->open(third).error(), errc::transport_large_msg);
}

TEST(BlockEncryption, SecretMustBe32Bytes) {
  EXPECT_EQ(BlockEncryption::start(kSessionId, Bytes(31), TlsRole::server).error(),
            errc::bad_key_size);
}

}  // namespace
}  // namespace smp::transport
