#include "smp/protocol/transmission.h"

#include <algorithm>
#include <cstring>

#include "smp/crypto/sign.h"
#include "smp/encoding/binary.h"
#include "smp/encoding/padding.h"
#include "smp/protocol/buffer_writer.h"
#include "smp/protocol/wire_format.h"

namespace smp::protocol {
namespace {

// --- receive ---------------------------------------------------------------------------------

template <class Message, class ParseFn, class CheckFn>
Received<Message> receive(ByteView content, ByteView session_id, ParseFn parse, CheckFn check) {
  Received<Message> out;  // message starts as BLOCK
  auto raw = parse_transmission(content);
  if (!raw) return out;
  out.corr_id = raw->corr_id;
  if (!std::ranges::equal(raw->session_id, session_id)) {
    out.message = make_error_code(errc::smp_session);
    return out;
  }
  auto algorithm = crypto::signature_algorithm(raw->signature.size());
  if (!algorithm) return out;  // BLOCK, corrId kept, queueId ""
  out.signature_algorithm = *algorithm;
  out.signature = raw->signature;
  out.signed_part = raw->signed_part;
  out.queue_id = raw->queue_id;
  auto message = parse(raw->command);
  if (message) {
    if (errc e = check(*message, out); e != errc::ok) message = make_error_code(e);
  }
  out.message = std::move(message);
  return out;
}

ReceivedCommand receive_command_content(ByteView content, ByteView session_id) {
  return receive<Command>(content, session_id, [](ByteView b) { return parse_command(kSmpV1, b); },
                          [](const Command& c, const ReceivedCommand& t) {
                            return check_credentials(c, t.is_signed(), t.queue_id);
                          });
}

ReceivedBrokerMessage receive_message_content(ByteView content, ByteView session_id) {
  return receive<BrokerMessage>(content, session_id, [](ByteView b) { return parse_broker_message(kSmpV1, b); },
                                [](const BrokerMessage& m, const ReceivedBrokerMessage& t) {
                                  return check_credentials(m, t.queue_id);
                                });
}

template <class Message, class ReceiveFn>
Received<Message> receive_block(ByteView block, ByteView session_id, ReceiveFn receive_content) {
  auto content = enc::unpad(block);
  if (!content) return {};  // BLOCK with empty ids
  return receive_content(*content, session_id);
}

// --- encode ----------------------------------------------------------------------------------

// Writes short(signature) ‖ short(sessionId) ‖ short(corrId) ‖ short(queueId) ‖ body, where
// encode_body writes the command or message into the span it is given and returns its length.
// The signature slot is reserved first and filled once the signed part is in place.
template <class EncodeBody>
Result<std::size_t> write_transmission(const TransmissionIds& ids,
                                       const crypto::PrivateKey* signing_key,
                                       std::span<std::uint8_t> out, EncodeBody encode_body) {
  std::size_t signature_size = 0;
  if (signing_key != nullptr) {
    const auto algorithm = signing_key->algorithm();
    if (!crypto::is_signature_algorithm(algorithm)) return make_error_code(errc::wrong_algorithm);
    signature_size = crypto::signature_size(algorithm);
  }
  detail::BufferWriter w(out);
  w.u8(static_cast<std::uint8_t>(signature_size));
  const auto signature_slot = w.skip(signature_size);
  const std::size_t signed_from = w.size();
  w.short_bytes(ids.session_id).short_bytes(ids.corr_id).short_bytes(ids.queue_id);
  if (!w.ok()) return make_error_code(w.error());
  auto body_size = encode_body(out.subspan(w.size()));
  if (!body_size) return body_size.error();
  w.skip(*body_size);
  if (signing_key != nullptr) {
    const Bytes signature = crypto::sign(*signing_key, w.written_from(signed_from));
    if (signature.size() != signature_size) return make_error_code(errc::crypto_failure);
    std::memcpy(signature_slot.data(), signature.data(), signature_size);
  }
  return w.size();
}

// Lays out a padded block around content written in place at block[2..]: the same bytes as
// enc::pad(content, block.size()), without building the content elsewhere first.
template <class EncodeContent>
Result<void> write_block(std::span<std::uint8_t> block, EncodeContent encode_content) {
  if (block.size() < 2) return make_error_code(errc::transport_large_msg);
  const std::size_t capacity = std::min<std::size_t>(block.size() - 2, 0xffff);
  auto size = encode_content(block.subspan(2, capacity));
  if (!size) return size.error();
  block[0] = static_cast<std::uint8_t>(*size >> 8);
  block[1] = static_cast<std::uint8_t>(*size);
  std::fill(block.begin() + static_cast<std::ptrdiff_t>(2 + *size), block.end(), enc::kPadByte);
  return {};
}

// Signature field and the three short ids in front of the command.
constexpr std::size_t kMaxHeader = 1 + crypto::kMaxSignatureSize + 3 * (1 + kMaxShortField);

template <class EncodeContent>
Result<Bytes> write_owned(std::size_t body_bound, EncodeContent encode_content) {
  Bytes out(kMaxHeader + body_bound);
  auto size = encode_content(std::span<std::uint8_t>(out));
  if (!size) return size.error();
  out.resize(*size);
  return out;
}

}  // namespace

Result<RawTransmission> parse_transmission(ByteView content) {
  enc::Reader r(content);
  RawTransmission t;
  t.signature = r.short_bytes();
  t.signed_part = r.rest();
  t.session_id = r.short_bytes();
  t.corr_id = r.short_bytes();
  t.queue_id = r.short_bytes();
  t.command = r.tail();
  if (!r.ok()) return make_error_code(errc::smp_block);
  return t;
}

ReceivedCommand receive_command(ByteView content, ByteView session_id) {
  return receive_command_content(content, session_id);
}

ReceivedCommand receive_command_block(ByteView block, ByteView session_id) {
  return receive_block<Command>(block, session_id, receive_command_content);
}

ReceivedBrokerMessage receive_broker_message(ByteView content, ByteView session_id) {
  return receive_message_content(content, session_id);
}

ReceivedBrokerMessage receive_broker_message_block(ByteView block, ByteView session_id) {
  return receive_block<BrokerMessage>(block, session_id, receive_message_content);
}

Result<std::size_t> encode_command_transmission(const TransmissionIds& ids, const Command& c,
                                                const crypto::PrivateKey* signing_key,
                                                std::span<std::uint8_t> out) {
  return write_transmission(ids, signing_key, out, [&](std::span<std::uint8_t> rest) {
    return encode_command(c, rest);
  });
}

Result<void> encode_command_block(const TransmissionIds& ids, const Command& c,
                                  const crypto::PrivateKey* signing_key,
                                  std::span<std::uint8_t> block) {
  return write_block(block, [&](std::span<std::uint8_t> content) {
    return encode_command_transmission(ids, c, signing_key, content);
  });
}

Result<Bytes> encode_command_transmission(const TransmissionIds& ids, const Command& c,
                                          const crypto::PrivateKey* signing_key) {
  return write_owned(max_encoded_size(c), [&](std::span<std::uint8_t> out) {
    return encode_command_transmission(ids, c, signing_key, out);
  });
}

Result<std::size_t> encode_broker_transmission(const TransmissionIds& ids,
                                               const BrokerMessage& m,
                                               std::span<std::uint8_t> out) {
  return write_transmission(ids, nullptr, out, [&](std::span<std::uint8_t> rest) {
    return encode_broker_message(m, rest);
  });
}

Result<void> encode_broker_block(const TransmissionIds& ids, const BrokerMessage& m,
                                 std::span<std::uint8_t> block) {
  return write_block(block, [&](std::span<std::uint8_t> content) {
    return encode_broker_transmission(ids, m, content);
  });
}

Result<Bytes> encode_broker_transmission(const TransmissionIds& ids, const BrokerMessage& m) {
  return write_owned(max_encoded_size(m), [&](std::span<std::uint8_t> out) {
    return encode_broker_transmission(ids, m, out);
  });
}

}  // namespace smp::protocol
