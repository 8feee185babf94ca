// libFuzzer target for the server's own TLS 1.2 record layer (TlsRecords). Selector byte:
//   0: the rest is a byte stream from the network, cut into records by their headers and
//      opened with fixed keys: every header and every record must be refused or accepted
//      without reading outside its bytes.
//   1: the rest is plaintext, sealed in records of sizes and types taken from it and opened
//      by the peer; one byte of the sealed stream may be flipped (when the input says so).
//      Untouched records must open to what was sealed; a flipped one must be refused.
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

void open_stream(const std::uint8_t* data, std::size_t size) {
  TlsRecords reader(keys_of(1, 1), keys_of(2, 1));
  std::size_t at = 0;
  while (size - at >= smp::transport::kRecordHeaderSize) {
    auto n = TlsRecords::record_size(smp::ByteView(data + at, size - at));
    if (!n) return;
    check(*n >= smp::transport::kRecordHeaderSize + smp::transport::kRecordTagSize);
    check(*n <= smp::transport::kMaxRecordSize);
    if (*n > size - at) return;
    std::vector<std::uint8_t> record(data + at, data + at + *n);
    auto opened = reader.open(record);
    if (!opened) return;  // the stream is dead after a bad record
    check(opened->plaintext.size() + smp::transport::kRecordHeaderSize +
              smp::transport::kRecordTagSize == *n);
    at += *n;
  }
}

void seal_and_open(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  const std::uint8_t flip = data[0];  // 0: no flip; else flip byte (flip * 131) of the stream
  data += 1;
  size -= 1;
  TlsRecords writer(keys_of(3, 1), keys_of(4, 1));
  TlsRecords reader(keys_of(4, 1), keys_of(3, 1));
  struct Sealed {
    ContentType type;
    std::vector<std::uint8_t> plaintext;
    std::vector<std::uint8_t> record;
  };
  std::vector<Sealed> sealed;
  std::size_t at = 0;
  while (at < size) {
    const std::uint8_t control = data[at++];
    const auto type = static_cast<ContentType>(20 + control % 4);
    std::size_t len = std::min<std::size_t>(
        {size - at, (control / 4) * 300u, smp::transport::kMaxRecordPlaintext});
    Sealed s{type, std::vector<std::uint8_t>(data + at, data + at + len), {}};
    at += len;
    s.record.resize(len + smp::transport::kRecordHeaderSize + smp::transport::kRecordTagSize);
    check(writer.seal(type, s.plaintext, s.record) == s.record.size());
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
    auto size_ok = TlsRecords::record_size(s.record);
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
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    open_stream(data + 1, size - 1);
  } else {
    seal_and_open(data + 1, size - 1);
  }
  return 0;
}
