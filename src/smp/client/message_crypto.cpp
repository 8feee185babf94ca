#include "smp/client/message_crypto.h"

#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"

namespace smp::client {

Result<SecretBytes> queue_dh_secret(const crypto::PublicKey& server_dh_key,
                                    const crypto::PrivateKey& recipient_dh_key) {
  if (server_dh_key.algorithm() != crypto::KeyAlgorithm::x25519 ||
      recipient_dh_key.algorithm() != crypto::KeyAlgorithm::x25519) {
    return make_error_code(errc::wrong_algorithm);
  }
  return crypto::dh(server_dh_key, recipient_dh_key);
}

Result<MessageContent> open_message(ByteView dh_secret, const ReceivedMessage& message) {
  if (!message.sealed_header) {
    auto body = crypto::cb_decrypt(dh_secret, crypto::cb_nonce(message.msg_id), message.body);
    if (!body) return body.error();
    return MessageContent{message.timestamp, false, std::move(*body)};
  }
  auto key = crypto::CbKey::from_dh_secret(dh_secret);
  if (!key) return key.error();
  Bytes plain;
  auto opened = protocol::open_rcv_message(*key, message.msg_id, message.body, plain);
  if (!opened) return opened.error();
  if (opened->quota) return make_error_code(errc::smp_quota);  // the queue was full
  return MessageContent{opened->timestamp, opened->notification, to_bytes(opened->body)};
}

Result<Bytes> decrypt_message_body(ByteView dh_secret, const ReceivedMessage& message) {
  auto content = open_message(dh_secret, message);
  if (!content) return content.error();
  return std::move(content->body);
}

Result<protocol::NtfMeta> open_notification_meta(ByteView dh_secret,
                                                 const ReceivedNotification& notification) {
  if (notification.nonce.empty() && notification.encrypted_meta.empty()) {
    return make_error_code(errc::unsupported);
  }
  if (notification.nonce.size() != crypto::kCbNonceSize) return make_error_code(errc::bad_syntax);
  auto key = crypto::CbKey::from_dh_secret(dh_secret);
  if (!key) return key.error();
  return protocol::open_ntf_meta(*key, crypto::cb_nonce(notification.nonce),
                                 notification.encrypted_meta);
}

}  // namespace smp::client
