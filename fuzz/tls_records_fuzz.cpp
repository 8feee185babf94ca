// libFuzzer target for the server's own TLS record layer (TlsRecords), TLS 1.2 and TLS 1.3.
// Selector byte: bit 1 chooses TLS 1.3 (keys from fixed traffic secrets), bit 0 the mode:
//   0: the rest is a byte stream from the network, cut into records by their headers and
//      opened with fixed keys: every header and every record must be refused or accepted
//      without reading outside its bytes. In TLS 1.3, a record that opens as a KeyUpdate
//      moves the read keys on, as the stream does.
//   1: the rest is plaintext, sealed in records of sizes and types taken from it and opened
//      by the peer; one byte of the sealed stream may be flipped (when the input says so).
//      Untouched records must open to what was sealed; a flipped one must be refused. In
//      TLS 1.3 a control byte may also make both sides move to the next keys.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "smp/transport/tls_records.h"

namespace {

using smp::transport::ContentType;
using smp::transport::RecordKeys;
using smp::transport::TlsRecords;

void check(bool condition) {
  if (!condition) std::abort();
}

RecordKeys keys_of(std::uint8_t fill, std::uint64_t seq) {
  RecordKeys k;
  k.key.fill(fill);
  k.iv.fill(static_cast<std::uint8_t>(fill ^ 0x5a));
  k.seq = seq;
  return k;
}

// Both versions' records from fixed keys: TLS 1.2 keys, or TLS 1.3 traffic secrets.
TlsRecords records_of(bool tls13, std::uint8_t write, std::uint8_t read) {
  if (!tls13) return TlsRecords(keys_of(write, 1), keys_of(read, 1));
  auto r = TlsRecords::from_traffic_secrets(std::vector<std::uint8_t>(32, write),
                                            std::vector<std::uint8_t>(32, read));
  check(r.has_value());
  return std::move(*r);
}

void open_stream(bool tls13, const std::uint8_t* data, std::size_t size) {
  TlsRecords reader = records_of(tls13, 1, 2);
  const std::size_t overhead = reader.sealed_size(0);  // header, tag (and TLS 1.3's type)
  std::size_t at = 0;
  while (size - at >= smp::transport::kRecordHeaderSize) {
    auto n = reader.record_size(smp::ByteView(data + at, size - at));
    if (!n) return;
    check(*n >= overhead);
    check(*n <= reader.max_record_size());
    if (*n > size - at) return;
    std::vector<std::uint8_t> record(data + at, data + at + *n);
    auto opened = reader.open(record);
    if (!opened) return;  // the stream is dead after a bad record
    check(opened->plaintext.size() + overhead <= *n);
    check(opened->plaintext.size() <= smp::transport::kMaxRecordPlaintext);
    if (opened->type == ContentType::handshake) {
      if (smp::transport::parse_key_update(opened->plaintext)) {
        check(reader.update_read_keys().has_value());
      }
    }
    at += *n;
  }
}

void seal_and_open(bool tls13, const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  const std::uint8_t flip = data[0];  // 0: no flip; else flip byte (flip * 131) of the stream
  data += 1;
  size -= 1;
  TlsRecords writer = records_of(tls13, 3, 4);
  TlsRecords reader = records_of(tls13, 4, 3);
  struct Sealed {
    ContentType type;
    std::vector<std::uint8_t> plaintext;
    std::vector<std::uint8_t> record;
    bool key_update_after = false;  // both sides move to the next keys after this record
  };
  std::vector<Sealed> sealed;
  std::size_t at = 0;
  while (at < size) {
    const std::uint8_t control = data[at++];
    const auto type = static_cast<ContentType>(20 + control % 4);
    std::size_t len = std::min<std::size_t>(
        {size - at, (control / 8) * 300u, smp::transport::kMaxRecordPlaintext});
    Sealed s{type, std::vector<std::uint8_t>(data + at, data + at + len), {},
             tls13 && (control & 4) != 0};
    at += len;
    s.record.resize(writer.sealed_size(len));
    check(writer.seal(type, s.plaintext, s.record) == s.record.size());
    if (s.key_update_after) check(writer.update_write_keys().has_value());
    sealed.push_back(std::move(s));
  }
  std::size_t total = 0;
  for (const auto& s : sealed) total += s.record.size();
  std::size_t target = flip == 0 ? total : (static_cast<std::size_t>(flip) * 131u) % total;
  std::size_t offset = 0;
  for (auto& s : sealed) {
    bool flipped = false;
    if (target >= offset && target < offset + s.record.size()) {
      s.record[target - offset] ^= 0x01;
      flipped = true;
    }
    offset += s.record.size();
    auto size_ok = reader.record_size(s.record);
    smp::Result<smp::transport::OpenedRecord> opened = smp::make_error_code(smp::errc::tls_failure);
    if (size_ok && *size_ok == s.record.size()) opened = reader.open(s.record);
    if (flipped) {
      check(!opened);
      return;  // a real peer closes here
    }
    check(opened.has_value());
    check(opened->type == s.type);
    check(std::equal(opened->plaintext.begin(), opened->plaintext.end(), s.plaintext.begin(),
                     s.plaintext.end()));
    if (s.key_update_after) check(reader.update_read_keys().has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool tls13 = (data[0] & 2) != 0;
  if (data[0] % 2 == 0) {
    open_stream(tls13, data + 1, size - 1);
  } else {
    seal_and_open(tls13, data + 1, size - 1);
  }
  return 0;
}
