// crypto_box authenticators (Crypto.hs cbAuthenticate / cbVerify, SMP v7+): a command is
// authorized with an X25519 queue key by crypto_box-encrypting the SHA-512 of the authorized
// bytes with DH(the other side's X25519 key, our X25519 private key) and nonce cbNonce(corrId)
// — 64 + 16 = 80 bytes. The server checks it with its per-session X25519 private key and the
// queue's public key. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"

namespace smp::crypto {

inline constexpr std::size_t kCbAuthenticatorSize = 80;
using CbAuthenticator = std::array<std::uint8_t, kCbAuthenticatorSize>;

// The authenticator over prefix ‖ msg (the prefix lets callers prepend the implied session id
// without copying). errc::wrong_algorithm unless both keys are X25519; errc::crypto_failure
// for a small-order key.
Result<CbAuthenticator> cb_authenticate(const PublicKey& theirs, const PrivateKey& ours,
                                        const CbNonce& nonce, ByteView prefix, ByteView msg);

// True only if `authenticator` (any length; only 80 can match) authenticates prefix ‖ msg.
// Compares in constant time; false for keys that are not X25519.
bool cb_verify(const PublicKey& theirs, const PrivateKey& ours, const CbNonce& nonce,
               ByteView authenticator, ByteView prefix, ByteView msg);

}  // namespace smp::crypto
