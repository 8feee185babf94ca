// TlsRecords: TLS 1.2 record protection for ECDHE-ECDSA-CHACHA20-POLY1305 (RFC 5246 §6.2,
// RFC 7905), keyed from a handshake OpenSSL has finished, so that the SSL object can be freed
// and an idle connection keeps about a hundred bytes of TLS state instead of OpenSSL's 12 KB.
// Pure: no I/O. Each direction has its key, IV and sequence number; every seal/open advances
// one. Secrets are wiped on destruction. Not thread-safe; movable, not copyable.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/transport/tls.h"

namespace smp::transport {

inline constexpr std::size_t kRecordHeaderSize = 5;
inline constexpr std::size_t kMaxRecordPlaintext = 16384;
inline constexpr std::size_t kRecordTagSize = 16;
inline constexpr std::size_t kMaxRecordSize =
    kRecordHeaderSize + kMaxRecordPlaintext + kRecordTagSize;

enum class ContentType : std::uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

// One direction's traffic keys (RFC 5246 §6.3) and its next sequence number.
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
  TlsRecords(const RecordKeys& write, const RecordKeys& read);
  TlsRecords(TlsRecords&&) noexcept;
  TlsRecords& operator=(TlsRecords&&) noexcept;
  TlsRecords(const TlsRecords&) = delete;
  TlsRecords& operator=(const TlsRecords&) = delete;
  ~TlsRecords();

  // The keys of `ssl`'s connection as `role` sees them, for records after the handshake.
  // Only for a finished, full (not resumed) TLS 1.2 handshake with ChaCha20-Poly1305, no
  // max_fragment_length, and nothing read but not yet returned; errc::tls_failure otherwise.
  // Sequence numbers start at 1: each side's Finished was record 0.
  static Result<TlsRecords> from_handshake(SSL* ssl, TlsRole role);

  // The size of the whole record whose 5-byte header starts `header`: errc::tls_failure
  // for a version other than TLS 1.2's or a length outside [tag size, 2^14 + tag size].
  static Result<std::size_t> record_size(ByteView header);

  // Writes one record of `type` carrying `plaintext` (at most kMaxRecordPlaintext bytes)
  // to `out`, which must hold plaintext.size() + kRecordHeaderSize + kRecordTagSize bytes;
  // `plaintext` may be `out` + kRecordHeaderSize. Returns the record's size.
  std::size_t seal(ContentType type, ByteView plaintext, std::span<std::uint8_t> out);

  // Authenticates and decrypts, in place, one whole record (header included).
  // errc::tls_failure for a bad header or a failed authentication (the record's body is then
  // wiped: nothing decrypted from it is kept).
  Result<OpenedRecord> open(std::span<std::uint8_t> record);

 private:
  RecordKeys write_;
  RecordKeys read_;
};

}  // namespace smp::transport
