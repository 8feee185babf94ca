// The agent's client protocol parser on arbitrary bytes. The first byte picks the sender, the
// limits and how the rest is cut into pieces. Checks: the pieces give the same transmissions
// as one buffer; every call consumes all it is given unless a transmission ends; everything
// parsed is written again and parses back to the same value; every error can be answered.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "smp/agent/agent_protocol.h"

namespace {

using namespace smp;
using namespace smp::agent;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Run {
  std::vector<ReceivedTransmission> transmissions;
  bool in_progress = false;
};

// Feeds `input` in pieces of the given sizes (cycled; 0 means "the rest").
Run parse_stream(ByteView input, Party sender, ProtocolLimits limits,
                 const std::vector<std::size_t>& pieces) {
  TransmissionParser parser(sender, limits);
  Run run;
  std::size_t pos = 0;
  std::size_t turn = 0;
  while (pos < input.size()) {
    std::size_t want = pieces.empty() ? 0 : pieces[turn++ % pieces.size()];
    std::size_t n = want == 0 ? input.size() - pos : std::min(want, input.size() - pos);
    ByteView piece = input.subspan(pos, n);
    ParseStep step = parser.parse(piece);
    check(step.consumed <= piece.size());
    if (!step.transmission) check(step.consumed == piece.size());
    check(step.consumed > 0);
    pos += step.consumed;
    if (step.transmission) run.transmissions.push_back(std::move(*step.transmission));
  }
  run.in_progress = parser.in_progress();
  return run;
}

void check_round_trip(const ReceivedTransmission& t, Party sender) {
  if (!t.ok()) {
    check(encode_transmission({t.corr_id, t.conn_id, cmd::Err{t.error()}}).has_value());
    return;
  }
  auto wire = encode_transmission({t.corr_id, t.conn_id, t.command()});
  check(wire.has_value());
  // The written form may be longer than the input (a request URI is written in its
  // canonical form), so it is read back under generous limits.
  ParseStep back = parse_transmission(*wire, sender, ProtocolLimits{1 << 20, 1 << 20});
  check(back.transmission.has_value() && back.consumed == wire->size());
  check(*back.transmission == t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const ByteView input(data + 1, size - 1);
  const Party sender = (mode & 1) ? Party::agent : Party::client;
  const ProtocolLimits limits = (mode & 2) ? ProtocolLimits{24, 8} : ProtocolLimits{};

  const Run whole = parse_stream(input, sender, limits, {});
  const std::vector<std::size_t> pieces = {1u + (mode >> 5), 1, 2u + ((mode >> 2) & 7)};
  const Run chunked = parse_stream(input, sender, limits, pieces);
  check(whole.transmissions == chunked.transmissions);
  check(whole.in_progress == chunked.in_progress);

  for (const auto& t : whole.transmissions) check_round_trip(t, sender);
  return 0;
}
