#include "smp/protocol/batch.h"

#include <algorithm>
#include <cstring>

#include "smp/crypto/cb_authenticator.h"
#include "smp/crypto/sign.h"
#include "smp/encoding/binary.h"
#include "smp/protocol/buffer_writer.h"
#include "smp/protocol/wire_format.h"

namespace smp::protocol {
namespace {

// --- receive ---------------------------------------------------------------------------------

// One transmission's fields (transmissionP), not yet interpreted.
struct CurrentRaw {
  ByteView authenticator;
  std::optional<ByteView> service_signature;
  ByteView signed_part;  // everything after the authorization fields
  ByteView session_id;   // sent below v7 only
  ByteView corr_id;
  ByteView entity_id;
  ByteView command;
};

std::optional<CurrentRaw> parse_raw(ByteView t, const TransmissionParams& p) {
  enc::Reader r(t);
  CurrentRaw raw;
  raw.authenticator = r.short_bytes();
  if (p.service_auth && !raw.authenticator.empty() && r.maybe_tag()) {
    // Maybe (Signature 'Ed25519): its decoder takes exactly an Ed25519 signature.
    raw.service_signature = r.short_bytes();
    if (r.ok() && raw.service_signature->size() != crypto::kEd25519SignatureSize) return {};
  }
  raw.signed_part = r.rest();
  if (!p.implied_session_id) raw.session_id = r.short_bytes();
  raw.corr_id = r.short_bytes();
  raw.entity_id = r.short_bytes();
  raw.command = r.tail();
  if (!r.ok()) return std::nullopt;
  return raw;
}

// decodeTAuthBytes: empty → none, 80 bytes → crypto_box authenticator (checked against an
// X25519 key), otherwise a signature whose size names its algorithm; false for any other size.
bool auth_algorithm(ByteView authenticator, std::optional<crypto::KeyAlgorithm>& out) {
  out.reset();
  if (authenticator.empty()) return true;
  if (authenticator.size() == kCbAuthenticatorSize) {
    out = crypto::KeyAlgorithm::x25519;
    return true;
  }
  auto sig = crypto::signature_algorithm(authenticator.size());
  if (!sig || !*sig) return false;
  out = **sig;
  return true;
}

template <class Message, class ParseFn, class CheckFn>
Received<Message> receive_one(ByteView t, const TransmissionParams& p, ParseFn parse,
                              CheckFn check) {
  Received<Message> out;  // BLOCK
  auto raw = parse_raw(t, p);
  if (!raw) return out;
  out.corr_id = raw->corr_id;
  if (!p.implied_session_id && !std::ranges::equal(raw->session_id, p.session_id)) {
    out.message = make_error_code(errc::smp_session);
    return out;
  }
  if (!auth_algorithm(raw->authenticator, out.signature_algorithm)) {
    return out;  // BLOCK, corrId kept, entity ""
  }
  out.signature = raw->authenticator;
  out.service_signature = raw->service_signature;
  out.signed_part = raw->signed_part;
  if (p.implied_session_id) out.implied_session_id = p.session_id;
  out.queue_id = raw->entity_id;
  auto message = parse(p.version, raw->command);
  if (message) {
    if (errc e = check(*message, out); e != errc::ok) message = make_error_code(e);
  }
  out.message = std::move(message);
  return out;
}

// `parse smpP TEBadBlock`: a non-empty list of Large transmissions that uses the whole content.
template <class Message, class ReceiveOne>
void receive_batch(ByteView content, std::vector<Received<Message>>& out, ReceiveOne one) {
  enc::Reader r(content);
  const std::size_t n = r.u8();
  const std::size_t first = out.size();
  if (n == 0) r.fail(errc::bad_syntax);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    ByteView t = r.large();
    if (r.ok()) out.push_back(one(t));
  }
  r.expect_end();
  if (!r.ok()) {
    out.resize(first);
    out.emplace_back();  // one BLOCK with empty ids
  }
}

// --- encode ----------------------------------------------------------------------------------

constexpr std::size_t kLargeLength = 2;

// Lays out authorization ‖ [sid] ‖ corrId ‖ entityId ‖ body in `out` and returns its size.
// The authorization is reserved first and filled once the covered bytes are in place.
template <class EncodeBody>
Result<std::size_t> write_transmission(const TransmissionParams& p, const TransmissionIds& ids,
                                       const CommandAuthorizer* auth,
                                       std::span<std::uint8_t> out, EncodeBody encode_body) {
  std::size_t auth_size = 0;
  const crypto::PrivateKey* key = auth ? auth->key : nullptr;
  if (key != nullptr) {
    const auto alg = key->algorithm();
    if (alg == crypto::KeyAlgorithm::x25519) {
      if (auth->server_key == nullptr) return make_error_code(errc::wrong_algorithm);
      auth_size = kCbAuthenticatorSize;
    } else if (crypto::is_signature_algorithm(alg)) {
      auth_size = crypto::signature_size(alg);
    } else {
      return make_error_code(errc::wrong_algorithm);
    }
  }
  detail::BufferWriter w(out);
  w.u8(static_cast<std::uint8_t>(auth_size));
  const auto auth_slot = w.skip(auth_size);
  // A service signature field follows a non-empty authorization from v16: we send none.
  if (auth_size > 0 && p.service_auth) w.maybe_tag(false);
  const std::size_t covered_from = w.size();
  if (!p.implied_session_id) w.short_bytes(p.session_id);
  w.short_bytes(ids.corr_id).short_bytes(ids.queue_id);
  if (!w.ok()) return make_error_code(w.error());
  auto body_size = encode_body(out.subspan(w.size()));
  if (!body_size) return body_size.error();
  w.skip(*body_size);
  if (!w.ok()) return make_error_code(w.error());
  if (key != nullptr) {
    // tForAuth: short(sessionId) ‖ the rest, whether or not the session id is sent.
    ByteView covered = w.written_from(covered_from);
    std::array<std::uint8_t, 1 + kMaxShortField> prefix{};
    ByteView implied;
    if (p.implied_session_id) {
      if (p.session_id.size() > kMaxShortField) return make_error_code(errc::value_too_large);
      prefix[0] = static_cast<std::uint8_t>(p.session_id.size());
      std::memcpy(prefix.data() + 1, p.session_id.data(), p.session_id.size());
      implied = ByteView(prefix.data(), 1 + p.session_id.size());
    }
    if (key->algorithm() == crypto::KeyAlgorithm::x25519) {
      auto a = crypto::cb_authenticate(*auth->server_key, *key, crypto::cb_nonce(ids.corr_id),
                                       implied, covered);
      if (!a) return a.error();
      std::memcpy(auth_slot.data(), a->data(), a->size());
    } else {
      Bytes signed_bytes;
      signed_bytes.reserve(implied.size() + covered.size());
      append(signed_bytes, implied);
      append(signed_bytes, covered);
      const Bytes signature = crypto::sign(*key, signed_bytes);
      if (signature.size() != auth_size) return make_error_code(errc::crypto_failure);
      std::memcpy(auth_slot.data(), signature.data(), auth_size);
    }
  }
  return w.size();
}

template <class EncodeBody>
Result<std::size_t> write_batch1(const TransmissionParams& p, const TransmissionIds& ids,
                                 const CommandAuthorizer* auth, std::span<std::uint8_t> out,
                                 EncodeBody encode_body) {
  if (out.size() < 1 + kLargeLength) return make_error_code(errc::transport_large_msg);
  const std::size_t room = std::min<std::size_t>(out.size() - 1 - kLargeLength, 0xffff);
  auto n = write_transmission(p, ids, auth, out.subspan(1 + kLargeLength, room), encode_body);
  if (!n) return n.error();
  out[0] = 1;
  out[1] = static_cast<std::uint8_t>(*n >> 8);
  out[2] = static_cast<std::uint8_t>(*n);
  return 1 + kLargeLength + *n;
}

}  // namespace

void receive_command_batch(ByteView content, const TransmissionParams& params,
                           std::vector<ReceivedCommand>& out) {
  receive_batch<Command>(content, out, [&](ByteView t) {
    return receive_one<Command>(
        t, params, [](SmpVersion v, ByteView b) { return parse_command(v, b); },
        [](const Command& c, const ReceivedCommand& rc) {
          return check_credentials_current(c, rc.is_signed(), rc.queue_id);
        });
  });
}

void receive_broker_batch(ByteView content, const TransmissionParams& params,
                          std::vector<ReceivedBrokerMessage>& out) {
  receive_batch<BrokerMessage>(content, out, [&](ByteView t) {
    auto rb = receive_one<BrokerMessage>(
        t, params, [](SmpVersion v, ByteView b) { return parse_broker_message(v, b); },
        [](const BrokerMessage& m, const ReceivedBrokerMessage& r) {
          return check_credentials(m, r.queue_id);
        });
    return rb;
  });
}

BatchWriter::BatchWriter(std::span<std::uint8_t> content) : content_(content) {}

template <class EncodeBody>
Result<bool> BatchWriter::append(const TransmissionParams& params, const TransmissionIds& ids,
                                 const CommandAuthorizer* auth, EncodeBody encode_body) {
  if (count_ >= kMaxBatchCount) return false;
  const std::size_t limit = std::min(content_.size(), kMaxBatchContent);
  const std::size_t start = used_ + kLargeLength;
  if (start > limit) return false;
  auto n = write_transmission(params, ids, auth, content_.subspan(start, limit - start),
                              encode_body);
  if (!n) {
    // Result<bool> cannot be built from an error_code implicitly (it converts to bool).
    if (n.error() != errc::transport_large_msg) {
      return Result<bool>(boost::system::in_place_error, n.error());
    }
    // It did not fit what is left: in a fresh batch, or never.
    if (count_ == 0) {
      return Result<bool>(boost::system::in_place_error,
                          make_error_code(errc::transport_large_msg));
    }
    return false;
  }
  content_[used_] = static_cast<std::uint8_t>(*n >> 8);
  content_[used_ + 1] = static_cast<std::uint8_t>(*n);
  used_ = start + *n;
  ++count_;
  content_[0] = static_cast<std::uint8_t>(count_);
  return true;
}

Result<bool> BatchWriter::add(const TransmissionParams& params, const TransmissionIds& ids,
                              const BrokerMessage& m) {
  return append(params, ids, nullptr, [&](std::span<std::uint8_t> rest) {
    return encode_broker_message(params.version, m, rest);
  });
}

Result<bool> BatchWriter::add(const TransmissionParams& params, const TransmissionIds& ids,
                              const Command& c, const CommandAuthorizer& auth) {
  return append(params, ids, &auth, [&](std::span<std::uint8_t> rest) {
    return encode_command(params.version, c, rest);
  });
}

Result<bool> BatchWriter::add_encoded(const TransmissionParams& params,
                                      const TransmissionIds& ids, const MessageEncoder& encode) {
  return append(params, ids, nullptr, encode);
}

Result<std::size_t> encode_broker_batch1(const TransmissionParams& params,
                                         const TransmissionIds& ids, const BrokerMessage& m,
                                         std::span<std::uint8_t> out) {
  return write_batch1(params, ids, nullptr, out, [&](std::span<std::uint8_t> rest) {
    return encode_broker_message(params.version, m, rest);
  });
}

Result<std::size_t> encode_command_batch1(const TransmissionParams& params,
                                          const TransmissionIds& ids, const Command& c,
                                          const CommandAuthorizer& auth,
                                          std::span<std::uint8_t> out) {
  return write_batch1(params, ids, &auth, out, [&](std::span<std::uint8_t> rest) {
    return encode_command(params.version, c, rest);
  });
}

ByteView authorized_bytes(const ReceivedCommand& rc, Bytes& scratch) {
  if (rc.implied_session_id.empty()) return rc.signed_part;
  scratch.clear();
  scratch.push_back(static_cast<std::uint8_t>(rc.implied_session_id.size()));
  append(scratch, rc.implied_session_id);
  append(scratch, rc.signed_part);
  return scratch;
}

}  // namespace smp::protocol
