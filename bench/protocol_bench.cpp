// Encode and parse of full 16 KB transmissions: a SEND with the largest body (client → server)
// and a MSG with the largest server-encrypted body (server → client), written in place into a
// padded block and parsed back through the receive pipelines.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>

#include "smp/crypto/keys.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"

namespace {

using namespace smp;
using namespace smp::protocol;

using Block = std::array<std::uint8_t, kBlockSize>;

const Bytes kSession(kTls12SessionIdSize, 0x5e);
const Bytes kCorrId = to_bytes(std::string_view("12345"));
const Bytes kQueueId(kQueueIdBytes, 0x71);
const Bytes kSendBody(kMaxMessageLength, 'b');
const Bytes kMsgId(kMsgIdBytes, 0x4d);
const Bytes kMsgBody(kServerEncryptedBodyLength, 'e');

const TransmissionIds kIds{kSession, kCorrId, kQueueId};

const crypto::PrivateKey* signing_key(std::int64_t which) {
  static const auto ed25519 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519);
  static const auto ed448 = crypto::generate_key_pair(crypto::KeyAlgorithm::ed448);
  if (which == 1) return &ed25519.private_key;
  if (which == 2) return &ed448.private_key;
  return nullptr;
}

// Arg: 0 unsigned, 1 Ed25519, 2 Ed448.
void BM_EncodeSendBlock(benchmark::State& state) {
  const auto* key = signing_key(state.range(0));
  auto block = std::make_unique<Block>();
  for (auto _ : state) {
    auto r = encode_command_block(kIds, cmd::Send{kSendBody}, key, *block);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(block->data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBlockSize));
}
BENCHMARK(BM_EncodeSendBlock)->Arg(0)->Arg(1)->Arg(2);

void BM_ReceiveSendBlock(benchmark::State& state) {
  auto block = std::make_unique<Block>();
  if (!encode_command_block(kIds, cmd::Send{kSendBody}, signing_key(state.range(0)), *block)) {
    state.SkipWithError("encode failed");
    return;
  }
  for (auto _ : state) {
    auto got = receive_command_block(*block, kSession);
    benchmark::DoNotOptimize(got);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBlockSize));
}
BENCHMARK(BM_ReceiveSendBlock)->Arg(0)->Arg(2);

void BM_EncodeMsgBlock(benchmark::State& state) {
  auto block = std::make_unique<Block>();
  const msg::Msg m{kMsgId, 1641034800, kMsgBody};
  const TransmissionIds ids{kSession, {}, kQueueId};
  for (auto _ : state) {
    auto r = encode_broker_block(ids, m, *block);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(block->data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBlockSize));
}
BENCHMARK(BM_EncodeMsgBlock);

void BM_ReceiveMsgBlock(benchmark::State& state) {
  auto block = std::make_unique<Block>();
  const TransmissionIds ids{kSession, {}, kQueueId};
  if (!encode_broker_block(ids, msg::Msg{kMsgId, 1641034800, kMsgBody}, *block)) {
    state.SkipWithError("encode failed");
    return;
  }
  for (auto _ : state) {
    auto got = receive_broker_message_block(*block, kSession);
    benchmark::DoNotOptimize(got);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBlockSize));
}
BENCHMARK(BM_ReceiveMsgBlock);

}  // namespace
