// libFuzzer target: the envelopes of private message routing (protocol/forwarding.h) — what
// RFWD carries once the proxy's layer is opened, and RRES's answer. The first byte picks
// FwdTransmission (0) or FwdResponse (1); whatever parses must encode, and encode∘parse must
// be idempotent (the key's DER may be normalised once; FwdResponse is exact). Violations
// abort.
// Seed corpus: fuzz/corpus/forwarding (fuzz/make_seeds.py).
#include <cstdint>
#include <algorithm>
#include <cstdlib>

#include "smp/protocol/forwarding.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smp;
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto t = protocol::parse_fwd_transmission(input);
    if (!t) return 0;
    auto once = protocol::encode_fwd_transmission(*t);
    require(once.has_value());
    auto reparsed = protocol::parse_fwd_transmission(*once);
    require(reparsed.has_value() && reparsed->version == t->version);
    auto twice = protocol::encode_fwd_transmission(*reparsed);
    require(twice.has_value() && *twice == *once);
  } else {
    auto r = protocol::parse_fwd_response(input);
    if (!r) return 0;
    auto encoded = protocol::encode_fwd_response(*r);
    require(encoded.has_value() && encoded->size() == input.size() &&
            std::equal(encoded->begin(), encoded->end(), input.begin()));
  }
  return 0;
}
