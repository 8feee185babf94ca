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

Result<Bytes> decrypt_message_body(ByteView dh_secret, const ReceivedMessage& message) {
  return crypto::cb_decrypt(dh_secret, crypto::cb_nonce(message.msg_id), message.body);
}

}  // namespace smp::client
