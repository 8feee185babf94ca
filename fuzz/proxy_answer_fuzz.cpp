// libFuzzer target: what a hostile destination server can make an SMP proxy read — a block
// of broker transmissions answering RFWD (server/proxy_answer.h open_forward_answer: RRES,
// ERR, anything else, malformed ones), and the FwdResponse inside a well-sealed RRES.
// The first byte picks the mode: even, the rest is a block's content as the destination
// sent it; odd, the rest is the FwdResponse the destination sealed (the target seals it and
// wraps it in an RRES batch). The answer must be a value or an error, never a crash, and an
// opened response is never longer than what came in. Violations abort.
// Seed corpus: fuzz/corpus/proxy_answer.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "smp/protocol/batch.h"
#include "smp/protocol/command.h"
#include "smp/protocol/forwarding.h"
#include "smp/server/proxy_answer.h"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace smp;
  if (size == 0 || size > 2 * protocol::kMaxBatchContent) return 0;
  const ByteView input(data + 1, size - 1);
  static const std::array<std::uint8_t, 32> secret{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  static const auto key = crypto::CbKey::from_dh_secret(secret);
  require(key.has_value());
  const std::array<std::uint8_t, 24> corr{42};
  const crypto::CbNonce nonce = crypto::cb_nonce(corr);
  const std::array<std::uint8_t, 32> session_id{7};
  const protocol::SmpVersion version = 8 + (data[0] >> 1) % 10;  // 8..17
  const auto params = protocol::TransmissionParams::for_version(version, session_id);

  Bytes content;
  ByteView block = input;
  if (data[0] % 2 == 1) {
    Bytes sealed = protocol::seal_no_pad(*key, protocol::reverse_nonce(nonce), input);
    content.resize(protocol::kMaxBatchContent);
    auto n = protocol::encode_broker_batch1(params, {session_id, corr, {}},
                                            protocol::msg::RRes{.encrypted = sealed}, content);
    if (!n) return 0;  // too large for a block
    content.resize(*n);
    block = content;
  }
  std::vector<protocol::ReceivedBrokerMessage> received;
  protocol::receive_broker_batch(block, params, received);
  for (const auto& r : received) {
    auto answer = server::open_forward_answer(r, *key, nonce, version);
    if (const auto* opened = std::get_if<Bytes>(&answer)) {
      require(opened->size() <= block.size());
    } else {
      const auto& e = std::get<protocol::SmpError>(answer);
      require(protocol::is_error_type(e.code));
      require(!protocol::encode_error_type(e, version).empty());
    }
  }
  return 0;
}
