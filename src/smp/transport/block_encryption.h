// Block encryption of the current SMP generation (v11+, the reference's blockEncryption,
// tPutBlock and tGetBlock in Transport.hs): every 16384-byte block is
//   tag (16) ‖ XSalsa20 of pad(content, 16368)
// keyed by one step of a secret-box chain (crypto/sb_chain.h) per block and direction. The
// chains start from sbcInit(session id, DH secret): the server sends with the first and
// receives with the second, the client the other way round.
//
// Not thread-safe: one reader and one writer may use seal and open at the same time (each
// touches only its own chain). Move-only; the chain keys are wiped on destruction.
#pragma once

#include <cstdint>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/sb_chain.h"
#include "smp/transport/tls.h"

namespace smp::transport {

class BlockEncryption {
 public:
  // errc::bad_key_size unless `dh_secret` is 32 bytes; errc::crypto_failure if the KDF fails.
  static Result<BlockEncryption> start(ByteView session_id, ByteView dh_secret, TlsRole role);

  // `block` is kBlockSize bytes: 16 bytes of room for the tag, then the padded content
  // (kEncryptedBlockPadded bytes), which is encrypted in place. The send chain advances.
  // errc::crypto_failure only if the KDF fails (nothing must then be sent).
  Result<void> seal(std::span<std::uint8_t> block);

  // `block` is a received kBlockSize-byte block; decrypted in place. Returns the padded
  // content (block minus its tag). The receive chain advances whatever the outcome, as the
  // reference's: a block that does not authenticate is errc::transport_large_msg (tGetBlock
  // maps the failure to TELargeMsg; the server answers ERR BLOCK) and the next block is
  // read with the next key, so the stream stays in sync.
  Result<std::span<std::uint8_t>> open(std::span<std::uint8_t> block);

 private:
  BlockEncryption(crypto::SbChainKey send, crypto::SbChainKey receive)
      : send_(std::move(send)), receive_(std::move(receive)) {}

  crypto::SbChainKey send_;
  crypto::SbChainKey receive_;
};

}  // namespace smp::transport
