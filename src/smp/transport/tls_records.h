// TlsRecords: the record protection of an established TLS connection, keyed from a handshake
// OpenSSL has finished, so that the SSL object can be freed and an idle connection keeps a
// couple of hundred bytes of TLS state instead of OpenSSL's 12 KB. Two record formats:
//   - TLS 1.2 with ECDHE-ECDSA-CHACHA20-POLY1305 (RFC 5246 §6.2, RFC 7905): keys from the
//     master secret; the record type and length are authenticated as associated data.
//   - TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 §5): keys from the application
//     traffic secrets (HKDF-Expand-Label), the real type inside the encrypted record (outer
//     type application_data, version 0x0303), zero padding allowed on open, the header as
//     associated data; KeyUpdate moves either direction to the next generation of keys.
// Pure: no I/O. Each direction has its key, IV and sequence number; every seal/open advances
// one. Secrets are wiped on destruction. Not thread-safe; movable, not copyable.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/transport/tls.h"

namespace smp::transport {

inline constexpr std::size_t kRecordHeaderSize = 5;
inline constexpr std::size_t kMaxRecordPlaintext = 16384;
inline constexpr std::size_t kRecordTagSize = 16;
// TLS 1.2: the largest ChaCha20-Poly1305 record.
inline constexpr std::size_t kMaxRecordSize =
    kRecordHeaderSize + kMaxRecordPlaintext + kRecordTagSize;
// TLS 1.3 (RFC 8446 §5.2): a record's encrypted part may be up to 2^14 + 256 bytes (padding).
inline constexpr std::size_t kMaxTls13RecordSize = kRecordHeaderSize + kMaxRecordPlaintext + 256;

enum class ContentType : std::uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

enum class RecordVersion : std::uint8_t { tls12, tls13 };

// One direction's traffic keys (RFC 5246 §6.3, RFC 8446 §7.3) and its next sequence number.
struct RecordKeys {
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 12> iv{};
  std::uint64_t seq = 0;
};

// A decrypted record: its type and plaintext (inside the buffer given to open()).
struct OpenedRecord {
  ContentType type;
  std::span<std::uint8_t> plaintext;
};

class TlsRecords {
 public:
  // TLS 1.2 keys.
  TlsRecords(const RecordKeys& write, const RecordKeys& read);
  TlsRecords(TlsRecords&&) noexcept;
  TlsRecords& operator=(TlsRecords&&) noexcept;
  TlsRecords(const TlsRecords&) = delete;
  TlsRecords& operator=(const TlsRecords&) = delete;
  ~TlsRecords();

  // TLS 1.3 from the two application traffic secrets (32 bytes each, SHA-256): key and IV by
  // HKDF-Expand-Label, sequence numbers 0. errc::tls_failure for other sizes or a KDF failure.
  static Result<TlsRecords> from_traffic_secrets(ByteView write_secret, ByteView read_secret);

  // The keys of `ssl`'s connection as `role` sees them, for records after the handshake.
  // Only for a finished, full (not resumed) handshake with ChaCha20-Poly1305, no
  // max_fragment_length, and nothing read but not yet returned; TLS 1.2 takes the master
  // secret (sequence numbers from 1: each side's Finished was record 0); TLS 1.3 takes the
  // secrets capture_traffic_secrets kept (tls_secrets.h; sequence numbers from 0) and
  // requires that no session tickets are sent. errc::tls_failure otherwise.
  static Result<TlsRecords> from_handshake(SSL* ssl, TlsRole role);

  RecordVersion version() const {
    return secrets_ ? RecordVersion::tls13 : RecordVersion::tls12;
  }
  // The largest record open() accepts, header included (a receive buffer's size).
  std::size_t max_record_size() const {
    return version() == RecordVersion::tls13 ? kMaxTls13RecordSize : kMaxRecordSize;
  }
  // The size of the record seal() makes of `plaintext` bytes.
  std::size_t sealed_size(std::size_t plaintext) const {
    return kRecordHeaderSize + plaintext + kRecordTagSize +
           (version() == RecordVersion::tls13 ? 1 : 0);
  }

  // The size of the whole record whose 5-byte header starts `header`: errc::tls_failure for a
  // version other than 0x0303, a length outside [tag size, the version's maximum], or (TLS
  // 1.3) an outer type other than application_data.
  Result<std::size_t> record_size(ByteView header) const;

  // Writes one record of `type` carrying `plaintext` (at most kMaxRecordPlaintext bytes) to
  // `out`, which must hold sealed_size(plaintext.size()) bytes; `plaintext` may be `out` +
  // kRecordHeaderSize. Returns the record's size.
  std::size_t seal(ContentType type, ByteView plaintext, std::span<std::uint8_t> out);

  // Authenticates and decrypts, in place, one whole record (header included); in TLS 1.3 the
  // type is the inner one and the padding is removed. errc::tls_failure for a bad header, a
  // failed authentication (the record's body is then wiped: nothing decrypted from it is
  // kept), or a TLS 1.3 record with no type or over 2^14 bytes of plaintext.
  Result<OpenedRecord> open(std::span<std::uint8_t> record);

  // TLS 1.3 KeyUpdate (RFC 8446 §4.6.3, §7.2): one direction moves to the next traffic secret
  // ("traffic upd"), its key and IV, sequence number 0. errc::tls_failure for TLS 1.2.
  Result<void> update_read_keys();
  Result<void> update_write_keys();

 private:
  struct TrafficSecretPair;

  RecordKeys write_;
  RecordKeys read_;
  std::unique_ptr<TrafficSecretPair> secrets_;  // TLS 1.3 only: what KeyUpdate derives from
};

// HKDF-Expand-Label(secret, label, "", out.size()) with SHA-256 (RFC 8446 §7.1), into `out`
// (at most 255 bytes). errc::tls_failure if OpenSSL's KDF fails.
Result<void> hkdf_expand_label(ByteView secret, std::string_view label,
                               std::span<std::uint8_t> out);

// TLS 1.3 KeyUpdate handshake message (RFC 8446 §4.6.3): type 24, length 1, request_update.
inline constexpr std::size_t kKeyUpdateSize = 5;
// The message (a peer's request is answered with update_requested = false).
std::array<std::uint8_t, kKeyUpdateSize> key_update_message(bool update_requested);
// When `handshake` (a record's content) is exactly one KeyUpdate message: whether the peer
// requested an update of ours. nullopt for anything else.
std::optional<bool> parse_key_update(ByteView handshake);

}  // namespace smp::transport
