// libFuzzer target for the Reader-based binary decoders. The first input byte picks the
// decoder; the rest is its input. Every decoder must fail cleanly on garbage, and whatever
// decodes as a whole value must re-encode to exactly the bytes it came from (the binary
// encodings are canonical).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <vector>

#include "smp/crypto/keys.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/containers.h"
#include "smp/encoding/system_time.h"
#include "smp/encoding/version.h"
#include "smp/protocol/server_address.h"

namespace {

using smp::Bytes;
using smp::ByteView;
using smp::enc::Reader;
using smp::enc::Writer;

void check(bool condition) {
  if (!condition) std::abort();
}

// Decodes `in` as one whole value with `read`; when that succeeds, `write` must reproduce it.
template <class Read, class Write>
void round_trip(ByteView in, Read read, Write write) {
  Reader r(in);
  auto value = read(r);
  r.expect_end();
  if (!r.ok()) return;
  Writer w;
  write(w, value);
  auto out = std::move(w).finish();
  check(out.has_value());
  check(Bytes(in.begin(), in.end()) == out.value());
}

Bytes read_short(Reader& r) { return smp::to_bytes(r.short_bytes()); }
void write_short(Writer& w, const Bytes& b) { w.short_bytes(b); }
std::optional<smp::crypto::PublicKey> read_x25519(Reader& r) {
  return smp::crypto::read_public_key(r, smp::crypto::kDhX25519);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ByteView in(data + 1, size - 1);
  switch (data[0] % 10) {
    case 0:
      round_trip(in, [](Reader& r) { return smp::enc::read_maybe(r, read_short); },
                 [](Writer& w, const std::optional<Bytes>& v) { smp::enc::write_maybe(w, v, write_short); });
      break;
    case 1:
      round_trip(in, [](Reader& r) { return smp::enc::read_list(r, read_short); },
                 [](Writer& w, const std::vector<Bytes>& v) { smp::enc::write_list(w, v, write_short); });
      break;
    case 2:
      round_trip(in, [](Reader& r) { return smp::enc::read_non_empty(r, read_short); },
                 [](Writer& w, const std::vector<Bytes>& v) {
                   check(!v.empty());
                   smp::enc::write_list(w, v, write_short);
                 });
      break;
    case 3:
      round_trip(in, [](Reader& r) { return smp::enc::read_version_range(r); },
                 [](Writer& w, const std::optional<smp::enc::VersionRange>& v) {
                   check(v.has_value() && v->min() <= v->max());
                   smp::enc::write_version_range(w, *v);
                 });
      break;
    case 4:
      round_trip(in, [](Reader& r) { return smp::protocol::read_smp_server(r); },
                 [](Writer& w, const std::optional<smp::protocol::SmpServer>& v) {
                   check(v.has_value());
                   smp::protocol::write_smp_server(w, *v);
                 });
      break;
    case 5:
      round_trip(in, [](Reader& r) { return smp::crypto::read_public_key(r, smp::crypto::kAnyAlgorithm); },
                 [](Writer& w, const std::optional<smp::crypto::PublicKey>& v) {
                   check(v.has_value());
                   smp::crypto::write_public_key(w, *v);
                 });
      break;
    case 6:
      round_trip(in, [](Reader& r) { return smp::to_bytes(r.large()); },
                 [](Writer& w, const Bytes& v) { w.large(v); });
      break;
    case 7:
      round_trip(in, [](Reader& r) { return smp::enc::read_system_time(r); },
                 [](Writer& w, const std::optional<smp::enc::SystemSeconds>& v) {
                   check(v.has_value());
                   smp::enc::write_system_time(w, *v);
                 });
      break;
    case 8:  // (Char, ByteString, Tail), the shape of tagged envelopes
      round_trip(in,
                 [](Reader& r) {
                   char c = r.ch();
                   Bytes b = read_short(r);
                   Bytes t = smp::to_bytes(r.tail());
                   return std::tuple{c, b, t};
                 },
                 [](Writer& w, const std::tuple<char, Bytes, Bytes>& v) {
                   w.ch(std::get<0>(v)).short_bytes(std::get<1>(v)).raw(std::get<2>(v));
                 });
      break;
    default:  // Maybe (X25519 key), as in the agent's public header
      round_trip(in, [](Reader& r) { return smp::enc::read_maybe(r, read_x25519); },
                 [](Writer& w, const std::optional<smp::crypto::PublicKey>& v) {
                   smp::enc::write_maybe(w, v, [](Writer& wr, const smp::crypto::PublicKey& k) {
                     smp::crypto::write_public_key(wr, k);
                   });
                 });
      break;
  }
  return 0;
}
