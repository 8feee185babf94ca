#include "smp/transport/block_encryption.h"

#include "smp/common/try.h"
#include "smp/crypto/cbox.h"
#include "smp/protocol/wire_format.h"

namespace smp::transport {

static_assert(protocol::kBlockTagSize == crypto::kCbTagSize);

Result<BlockEncryption> BlockEncryption::start(ByteView session_id, ByteView dh_secret,
                                               TlsRole role) {
  if (dh_secret.size() != crypto::kCbSecretSize) return make_error_code(errc::bad_key_size);
  SMP_TRY(crypto::SbChainKeys chains, crypto::sbc_init(session_id, dh_secret));
  if (role == TlsRole::server) {
    return BlockEncryption(std::move(chains.first), std::move(chains.second));
  }
  return BlockEncryption(std::move(chains.second), std::move(chains.first));
}

Result<void> BlockEncryption::seal(std::span<std::uint8_t> block) {
  SMP_TRY(crypto::SbKeyNonce step, send_.next());
  // sbEncrypt: the step's key is used as crypto_box uses a DH output.
  SMP_TRY(crypto::CbKey key, crypto::CbKey::from_dh_secret(step.key.view()));
  key.seal_in_place(step.nonce, block);
  return {};
}

Result<std::span<std::uint8_t>> BlockEncryption::open(std::span<std::uint8_t> block) {
  auto step = receive_.next();
  if (!step) return step.error();
  SMP_TRY(crypto::CbKey key, crypto::CbKey::from_dh_secret(step->key.view()));
  auto opened = key.open_in_place(step->nonce, block);
  if (!opened) return make_error_code(errc::transport_large_msg);
  return *opened;
}

}  // namespace smp::transport
