// libFuzzer target: arbitrary block content through the current generation's batch receive
// pipelines (server: commands; client: broker messages) at the version the first byte picks
// (6..18). Whatever parses must encode again at that version, and encode∘parse must be
// idempotent: the re-encoded bytes parse and re-encode to themselves (parsing may normalise,
// e.g. unknown flag characters or a notice's JSON spacing, but only once). Violations abort.
// Seed corpus: fuzz/corpus/batch (fuzz/make_seeds.py).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"

namespace {

using namespace smp;
using namespace smp::protocol;

// The session id the seeds are written with (a TLS 1.3 Finished: 32 bytes).
constexpr std::uint8_t kSession[32] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                       0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                       0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                       0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};

void require(bool ok) {
  if (!ok) std::abort();
}

template <class M, class Encode, class Parse>
void check_idempotent(SmpVersion v, const M& parsed, Encode encode, Parse parse) {
  auto once = encode(v, parsed);
  require(once.has_value());
  auto reparsed = parse(v, *once);
  require(reparsed.has_value());
  auto twice = encode(v, *reparsed);
  require(twice.has_value() && *twice == *once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const SmpVersion v = static_cast<SmpVersion>(kCurrentMinVersion + data[0] % 13);
  const ByteView content(data + 1, size - 1);
  const auto params = TransmissionParams::for_version(v, ByteView(kSession, sizeof kSession));

  std::vector<ReceivedCommand> commands;
  receive_command_batch(content, params, commands);
  require(!commands.empty());
  for (const auto& rc : commands) {
    if (!rc.message) continue;
    check_idempotent(
        v, *rc.message,
        [](SmpVersion ver, const Command& c) { return encode_command(ver, c); },
        [](SmpVersion ver, ByteView b) { return parse_command(ver, b); });
    Bytes scratch;
    (void)authorized_bytes(rc, scratch);
  }

  std::vector<ReceivedBrokerMessage> messages;
  receive_broker_batch(content, params, messages);
  require(!messages.empty());
  for (const auto& rm : messages) {
    if (!rm.message) continue;
    check_idempotent(
        v, *rm.message,
        [](SmpVersion ver, const BrokerMessage& m) { return encode_broker_message(ver, m); },
        [](SmpVersion ver, ByteView b) { return parse_broker_message(ver, b); });
  }
  return 0;
}
