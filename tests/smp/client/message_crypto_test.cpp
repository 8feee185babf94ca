#include "smp/client/message_crypto.h"

#include <gtest/gtest.h>

#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"
#include "smp/protocol/wire_format.h"
#include "support/vectors.h"

namespace smp::client {
namespace {

TEST(MessageCrypto, OpensTheReferenceServerToRecipientBox) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  const auto& c = v.at("server_to_recipient");
  Bytes secret = test::hex(c.at("dh_secret"));
  ReceivedMessage m{test::hex(c.at("nonce")), 0, test::hex(c.at("ciphertext").at("value"))};
  ASSERT_EQ(m.body.size(), protocol::kServerEncryptedBodyLength);
  auto body = decrypt_message_body(secret, m);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, test::hex(c.at("message").at("hex")));
}

TEST(MessageCrypto, RecipientSecretEqualsTheServerSide) {
  auto server = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto recipient = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto ours = queue_dh_secret(server.public_key, recipient.private_key);
  auto theirs = crypto::dh(recipient.public_key, server.private_key);
  ASSERT_TRUE(ours.has_value());
  ASSERT_TRUE(theirs.has_value());
  EXPECT_TRUE(constant_time_equal(ours->view(), theirs->view()));

  Bytes msg_id = crypto::random_bytes(protocol::kMsgIdBytes);
  auto sealed = crypto::cb_encrypt(theirs->view(), crypto::cb_nonce(msg_id), as_bytes("hello"),
                                   protocol::kServerEncryptedPaddedLength);
  ASSERT_TRUE(sealed.has_value());
  auto body = decrypt_message_body(ours->view(), ReceivedMessage{msg_id, 0, *sealed});
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(as_chars(*body), "hello");
}

TEST(MessageCrypto, WrongSecretOrNonceFails) {
  SMP_LOAD_VECTORS(v, "cbox.json");
  const auto& c = v.at("server_to_recipient");
  Bytes secret = test::hex(c.at("dh_secret"));
  ReceivedMessage m{test::hex(c.at("nonce")), 0, test::hex(c.at("ciphertext").at("value"))};
  Bytes wrong = secret;
  wrong[0] ^= 1;
  EXPECT_EQ(decrypt_message_body(wrong, m).error(), errc::cb_decrypt);
  ReceivedMessage other_id = m;
  other_id.msg_id[23] ^= 1;
  EXPECT_EQ(decrypt_message_body(secret, other_id).error(), errc::cb_decrypt);
  ReceivedMessage truncated = m;
  truncated.body.resize(10);
  EXPECT_EQ(decrypt_message_body(secret, truncated).error(), errc::cb_decrypt);
  EXPECT_EQ(decrypt_message_body(ByteView(secret).first(16), m).error(), errc::bad_key_size);
}

// NMSG metadata as the server seals it (seal_ntf_meta: the reference's mkMessageNotification)
// opens with the recipient's side of the notifier DH secret.
TEST(MessageCrypto, NotificationMetaOpensWithTheNotifierSecret) {
  auto server = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto recipient = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto server_secret = crypto::dh(recipient.public_key, server.private_key);
  ASSERT_TRUE(server_secret.has_value());
  auto key = crypto::CbKey::from_dh_secret(server_secret->view());
  ASSERT_TRUE(key.has_value());
  const auto nonce = crypto::random_cb_nonce();
  const Bytes msg_id = crypto::random_bytes(protocol::kMsgIdBytes);
  Bytes sealed(protocol::kSealedNtfMetaSize);
  ASSERT_TRUE(protocol::seal_ntf_meta(*key, nonce, msg_id, 1700000000, sealed).has_value());
  const ReceivedNotification n{Bytes(nonce.begin(), nonce.end()), sealed};

  auto secret = queue_dh_secret(server.public_key, recipient.private_key);
  ASSERT_TRUE(secret.has_value());
  auto meta = open_notification_meta(secret->view(), n);
  ASSERT_TRUE(meta.has_value());
  EXPECT_EQ(meta->msg_id, msg_id);
  EXPECT_EQ(meta->timestamp, 1700000000);

  Bytes wrong = to_bytes(secret->view());
  wrong[0] ^= 1;
  EXPECT_EQ(open_notification_meta(wrong, n).error(), errc::cb_decrypt);
  EXPECT_EQ(open_notification_meta(ByteView(wrong).first(16), n).error(), errc::bad_key_size);
  ReceivedNotification short_nonce = n;
  short_nonce.nonce.resize(12);
  EXPECT_EQ(open_notification_meta(secret->view(), short_nonce).error(), errc::bad_syntax);
  EXPECT_EQ(open_notification_meta(secret->view(), ReceivedNotification{}).error(),
            errc::unsupported);  // SMP v1's NMSG
}

TEST(MessageCrypto, SecretNeedsX25519Keys) {
  auto x448 = crypto::generate_key_pair(crypto::KeyAlgorithm::x448);
  auto x25519 = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto ed = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(queue_dh_secret(x448.public_key, x25519.private_key).error(), errc::wrong_algorithm);
  EXPECT_EQ(queue_dh_secret(x25519.public_key, ed.private_key).error(), errc::wrong_algorithm);
}

}  // namespace
}  // namespace smp::client
