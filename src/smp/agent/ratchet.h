// Double ratchet with header encryption (spec §2.9.5–§2.9.6): rc_encrypt and rc_decrypt,
// byte-compatible with the reference's rcEncrypt / rcDecrypt.
//
// Both take the current state by const reference and return the next one; the caller stores
// it (and, after a decryption, the skipped-key diff). On an outer error nothing changed and
// nothing is to be stored. A decryption whose header was accepted returns a DecryptResult even
// when the body fails: the error is in DecryptResult::plaintext and the state has advanced
// anyway, as in the reference, which persists it (spec §9 Q8).
//
// Pure functions apart from the key generator; thread-safe for distinct states.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smp/agent/ratchet_keygen.h"
#include "smp/agent/ratchet_message.h"
#include "smp/agent/ratchet_skipped.h"
#include "smp/agent/ratchet_state.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::agent {

// The most message keys one decryption may skip in a chain (the reference's maxSkip).
inline constexpr std::uint32_t kMaxSkip = 512;

// Move-only.
struct EncryptResult {
  Bytes message;  // EncRatchetMessage: kRatchetMessageOverhead + padded_len bytes
  Ratchet state;  // Ns + 1 and the next sending chain key
};

// Encrypts msg padded to padded_len. errc::ratchet_state when there is no sending chain (the
// inviting party before its first message arrives); errc::crypto_large_msg when
// msg.size() + 2 > padded_len.
Result<EncryptResult> rc_encrypt(const Ratchet& rc, std::size_t padded_len, ByteView msg);

// rc_encrypt in two steps, so a message waiting to be sent can be stored small: the ratchet
// step (the next message key, the encrypted header) is taken, and stored with the new state,
// when the message is queued; the padded body is encrypted from these keys when it is sent.
// rc_seal is deterministic: every call gives rc_encrypt's bytes for the same state and
// message, so a message sent again is the same ratchet message.
// Move-only (holds the message key).
struct RatchetBodyKeys {
  Bytes header;            // short(EncMessageHeader), as the ratchet message starts
  SecretBytes message_key;
  SecretBytes message_iv;  // 16 bytes
  Bytes ad;                // the ratchet's AD; the body's AD is AD ‖ EncMessageHeader
  std::size_t padded_len = 0;
};
// Move-only.
struct PreparedEncrypt {
  RatchetBodyKeys keys;
  Ratchet state;  // as EncryptResult::state
};
// The errors of rc_encrypt, for a message of msg_size bytes.
Result<PreparedEncrypt> rc_prepare(const Ratchet& rc, std::size_t padded_len, std::size_t msg_size);
// The EncRatchetMessage; errc::crypto_large_msg when msg.size() + 2 > keys.padded_len.
Result<Bytes> rc_seal(const RatchetBodyKeys& keys, ByteView msg);

// Move-only.
struct DecryptResult {
  // The message, or an error found after the header was accepted:
  //   errc::aes_decrypt              the body, its tag or the AD was altered
  //   errc::crypto_large_msg         the body decrypted but its padding is invalid
  //   errc::ratchet_duplicate        the message number was already received in this chain
  //   errc::ratchet_too_many_skipped the message is more than kMaxSkip ahead in its chain
  //   errc::ratchet_state            no receiving chain (not expected from a valid peer)
  Result<Bytes> plaintext;
  // The state to store, whatever plaintext holds.
  Ratchet state;
  // How the skipped keys changed; to be stored with the state.
  SkippedMsgDiff skipped;
};

// Decrypts one EncRatchetMessage, first with the skipped keys, then with the current and next
// receiving header keys. A DH ratchet step calls keygen once for our new ratchet key.
// Outer errors (state unchanged):
//   errc::crypto_header            the message or its header is malformed, or the decrypted
//                                  header does not parse
//   errc::ratchet_header           no header key decrypts the header (e.g. a replay of a
//                                  message whose skipped key was used up), or a skipped header
//                                  key that is neither the current nor the next one
//   errc::ratchet_duplicate / ratchet_too_many_skipped
//                                  while skipping the rest of the previous chain in a DH step
//   errc::wrong_algorithm / crypto_failure
//                                  the peer's ratchet key is of small order, or keygen made a
//                                  key of another algorithm
Result<DecryptResult> rc_decrypt(const Ratchet& rc, const SkippedMsgKeys& skipped, ByteView msg,
                                 const KeyGenerator& keygen);

}  // namespace smp::agent
