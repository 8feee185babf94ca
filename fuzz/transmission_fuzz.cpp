// libFuzzer target: arbitrary bytes through the server's receive pipeline and the client's
// broker message pipeline, each as block content and as a padded block. Whatever parses must
// re-encode to exactly the bytes it came from (the grammar is canonical: strict DER, exact
// error tokens, Tail bodies), so a parse/encode disagreement aborts like a crash does.
// Seed corpus: fuzz/corpus/transmission (written by tests/smp/protocol/seed_corpus_test.cpp).
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "smp/protocol/command.h"
#include "smp/protocol/transmission.h"

namespace {

using namespace smp;
using namespace smp::protocol;

// The session id the seed corpus is written with.
constexpr std::uint8_t kSession[12] = {0x2f, 0x6a, 0x3f, 0x48, 0x08, 0x68,
                                       0x34, 0x3e, 0x43, 0x59, 0x41, 0x4a};

void require(bool ok) {
  if (!ok) std::abort();
}

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

template <class M, class EncodeFn, class EncodeTransmissionFn>
void check_round_trip(const Received<M>& got, ByteView content, EncodeFn encode,
                      EncodeTransmissionFn encode_transmission) {
  auto raw = parse_transmission(content);
  // Every outcome but a structural BLOCK comes from a well-formed header.
  if (!raw) {
    require(!got.message && got.corr_id.empty() && got.queue_id.empty());
    return;
  }
  if (!got.message) return;
  auto bytes = encode(*got.message);
  require(bytes.has_value() && same(*bytes, raw->command));
  if (!got.is_signed()) {
    auto again = encode_transmission(TransmissionIds{raw->session_id, raw->corr_id, raw->queue_id},
                                     *got.message);
    require(again.has_value() && same(*again, content));
  }
}

void run(ByteView content) {
  const ByteView session(kSession, sizeof kSession);
  check_round_trip(
      receive_command(content, session), content,
      [](const Command& c) { return encode_command(c); },
      [](const TransmissionIds& ids, const Command& c) {
        return encode_command_transmission(ids, c, nullptr);
      });
  check_round_trip(
      receive_broker_message(content, session), content,
      [](const BrokerMessage& m) { return encode_broker_message(m); },
      [](const TransmissionIds& ids, const BrokerMessage& m) {
        return encode_broker_transmission(ids, m);
      });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  run(input);
  // The same bytes as a block: length prefix first.
  const ByteView session(kSession, sizeof kSession);
  (void)receive_command_block(input, session);
  (void)receive_broker_message_block(input, session);
  return 0;
}
