// Skipped message keys of the double ratchet (spec §2.9.6): for every receiving header key, the
// (message key, IV) of each message number that was skipped in that chain, kept until the late
// message arrives. Decryption tries the header keys in ascending byte order, as the reference
// does. A decryption does not change the stored keys; it returns a SkippedMsgDiff, which the
// agent persists row by row (and tests apply with apply_skipped_diff).
//
// A MessageKey is stored (one database row per key in the reference) as
//   short(message key 32) ‖ short(IV 16)
// Move-only types owning secrets; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <variant>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/encoding/binary.h"

namespace smp::agent {

struct MessageKey {
  SecretBytes key;  // 32 bytes
  SecretBytes iv;   // 16 bytes

  MessageKey clone() const { return MessageKey{key.clone(), iv.clone()}; }
};

void write_message_key(enc::Writer& w, const MessageKey& mk);
// errc::bad_key_size unless the key is 32 bytes and the IV 16; nullopt on any error.
std::optional<MessageKey> read_message_key(enc::Reader& r);
// errc::value_too_large only for a key or IV over 255 bytes (never made by the ratchet).
Result<SecretBytes> encode_message_key(const MessageKey& mk);
// The whole input must be one key (errc::trailing_bytes otherwise).
Result<MessageKey> decode_message_key(ByteView in);

// Orders header keys by their bytes, shorter first on a common prefix (Haskell's ByteString
// order), and lets maps be searched with a ByteView.
struct HeaderKeyLess {
  using is_transparent = void;
  bool operator()(ByteView a, ByteView b) const;
  bool operator()(const SecretBytes& a, const SecretBytes& b) const {
    return (*this)(a.view(), b.view());
  }
  bool operator()(const SecretBytes& a, ByteView b) const { return (*this)(a.view(), b); }
  bool operator()(ByteView a, const SecretBytes& b) const { return (*this)(a, b.view()); }
};

// Message number → key, for one header key.
using SkippedHdrMsgKeys = std::map<std::uint32_t, MessageKey>;
// Header key → its skipped keys.
using SkippedMsgKeys = std::map<SecretBytes, SkippedHdrMsgKeys, HeaderKeyLess>;

SkippedHdrMsgKeys clone_skipped(const SkippedHdrMsgKeys& keys);
SkippedMsgKeys clone_skipped(const SkippedMsgKeys& keys);
// The number of message keys (not header keys).
std::size_t count_skipped(const SkippedMsgKeys& keys);
// Same header keys, message numbers and key bytes (compared in constant time).
bool same_skipped(const SkippedMsgKeys& a, const SkippedMsgKeys& b);

// What a decryption changed in the skipped keys (the reference's SkippedMsgDiff).
struct SkippedKeysUnchanged {};
// A late message was decrypted with (or failed with) this stored key; it is used up.
struct SkippedKeyRemoved {
  SecretBytes header_key;
  std::uint32_t msg_n;
};
// Keys of messages skipped by this decryption, to be merged into the stored ones.
struct SkippedKeysAdded {
  SkippedMsgKeys keys;
};
using SkippedMsgDiff = std::variant<SkippedKeysUnchanged, SkippedKeyRemoved, SkippedKeysAdded>;

// Applies a diff as the reference's applySMDiff: a removal of an absent key changes nothing
// and a header key with no keys left is dropped; added keys replace stored ones with the same
// header key and number.
void apply_skipped_diff(SkippedMsgKeys& keys, const SkippedMsgDiff& diff);

}  // namespace smp::agent
