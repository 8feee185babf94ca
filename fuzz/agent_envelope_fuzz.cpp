// Every agent-to-agent message layer decoded from arbitrary bytes. Whatever decodes must
// encode back to the same bytes (the layers have one encoding each), except an invitation
// URI, which must at least decode again to the same value; encoders may refuse only what is
// over the size limits. A decoded ClientMessage is also sealed and opened again.
#include <cstdint>
#include <cstdlib>

#include "smp/agent/agent_envelope.h"
#include "smp/agent/agent_message.h"
#include "smp/agent/client_envelope.h"
#include "smp/agent/queue_info.h"

namespace {

using namespace smp;
using namespace smp::agent;

void check(bool condition) {
  if (!condition) std::abort();
}

template <class T, class Encode>
void expect_same_bytes(const T& value, Encode encode, ByteView input) {
  auto again = encode(value);
  check(again.has_value());
  check(std::equal(again->begin(), again->end(), input.begin(), input.end()));
}

void client_layers(ByteView data) {
  if (auto envelope = decode_client_msg_envelope(data)) {
    expect_same_bytes(*envelope, encode_client_msg_envelope, data);
    static const auto key = crypto::CbKey::from_dh_secret(Bytes(32, 7)).value();
    check(!open_client_message(key, *envelope));  // a random box never opens
  }
  if (auto message = decode_client_message(data)) {
    expect_same_bytes(*message, encode_client_message, data);
    static const auto key = crypto::CbKey::from_dh_secret(Bytes(32, 9)).value();
    const PubHeader header{kSmpClientVersion, std::nullopt};
    auto sealed = seal_client_message(key, header, *message, crypto::cb_nonce(data));
    if (!sealed) {
      check(sealed.error() == make_error_code(errc::crypto_large_msg));
      check(data.size() > kMessagePaddedLength - 2);
      return;
    }
    auto opened = open_client_message(key, decode_client_msg_envelope(*sealed).value());
    check(opened && *opened == *message);
  }
}

void agent_envelope(ByteView data) {
  auto envelope = decode_agent_envelope(data);
  if (!envelope) return;
  auto again = encode_agent_envelope(*envelope);
  if (const auto* inv = std::get_if<AgentInvitation>(&*envelope)) {
    if (!again) {
      // A URI too long for Large, or connection info over the limit.
      check(inv->conn_info.size() > kMaxConnInfoSize ||
            again.error() == make_error_code(errc::value_too_large));
      return;
    }
    auto back = decode_agent_envelope(*again);
    check(back && *back == *envelope);
    return;
  }
  check(again && *again == Bytes(data.begin(), data.end()));
}

void agent_plaintext(ByteView data) {
  auto plaintext = decode_agent_plaintext(data);
  if (!plaintext) return;
  auto again = encode_agent_plaintext(*plaintext);
  if (!again) {
    // Only what the ratchet could not pad is refused.
    check(again.error() == make_error_code(errc::crypto_large_msg));
    if (const auto* info = std::get_if<AgentConnInfo>(&*plaintext)) {
      check(info->conn_info.size() > kMaxConnInfoSize);
    } else {
      const auto* user = std::get_if<UserMessage>(&std::get<AgentMessage>(*plaintext).message);
      check((user && user->body.size() > kMaxUserMessageSize) ||
            data.size() > kUserMsgPaddedLength - kPadLengthPrefix);
    }
    return;
  }
  check(*again == Bytes(data.begin(), data.end()));
}

void queue_info(ByteView data) {
  enc::Reader r(data);
  auto info = read_queue_info(r);
  if (!info) return;
  enc::Writer w;
  write_queue_info(w, *info);
  check(w.ok() && std::equal(w.bytes().begin(), w.bytes().end(), data.begin(),
                             data.begin() + static_cast<std::ptrdiff_t>(r.position())));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  client_layers(input);
  agent_envelope(input);
  agent_plaintext(input);
  queue_info(input);
  return 0;
}
