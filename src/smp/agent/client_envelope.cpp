#include "smp/agent/client_envelope.h"

#include "smp/agent/envelope_format.h"
#include "smp/common/try.h"
#include "smp/encoding/containers.h"

namespace smp::agent {
namespace {

constexpr char kConfirmationTag = 'K';
constexpr char kEmptyTag = '_';

void write_key(enc::Writer& w, const crypto::PublicKey& key, crypto::AlgorithmSet allowed) {
  if (!allowed.contains(key.algorithm())) {
    w.fail(errc::wrong_algorithm);
    return;
  }
  crypto::write_public_key(w, key);
}

}  // namespace

void write_pub_header(enc::Writer& w, const PubHeader& header) {
  w.u16(header.version);
  enc::write_maybe(w, header.e2e_key, [](enc::Writer& out, const crypto::PublicKey& key) {
    write_key(out, key, crypto::kDhX25519);
  });
}

std::optional<PubHeader> read_pub_header(enc::Reader& r) {
  enc::Version version = r.u16();
  auto key = enc::read_maybe(
      r, [](enc::Reader& in) { return crypto::read_public_key(in, crypto::kDhX25519); });
  if (!r.ok()) return std::nullopt;
  return PubHeader{version, key};
}

void write_priv_header(enc::Writer& w, const PrivHeader& header) {
  if (!header.sender_key) {
    w.ch(kEmptyTag);
    return;
  }
  w.ch(kConfirmationTag);
  write_key(w, *header.sender_key, crypto::kSignatureAlgorithms);
}

std::optional<PrivHeader> read_priv_header(enc::Reader& r) {
  switch (r.ch()) {
    case kEmptyTag:
      return PrivHeader{};
    case kConfirmationTag:
      if (auto key = crypto::read_public_key(r, crypto::kSignatureAlgorithms))
        return PrivHeader{*key};
      return std::nullopt;
    default:
      r.fail(errc::bad_tag);
      return std::nullopt;
  }
}

Result<Bytes> encode_client_msg_envelope(const ClientMsgEnvelope& envelope) {
  enc::Writer w(envelope.enc_body.size() + 80);
  write_pub_header(w, envelope.header);
  w.raw(envelope.nonce).raw(envelope.enc_body);
  return std::move(w).finish();
}

Result<ClientMsgEnvelope> decode_client_msg_envelope(ByteView bytes) {
  enc::Reader r(bytes);
  auto header = read_pub_header(r);
  ByteView nonce = r.take(crypto::kCbNonceSize);
  ByteView body = r.tail();
  if (!r.ok()) return make_error_code(r.error());
  return ClientMsgEnvelope{std::move(*header), crypto::cb_nonce(nonce), to_bytes(body)};
}

Result<Bytes> encode_client_message(const ClientMessage& message) {
  enc::Writer w(message.body.size() + 80);
  write_priv_header(w, message.header);
  w.raw(message.body);
  return std::move(w).finish();
}

Result<ClientMessage> decode_client_message(ByteView bytes) {
  enc::Reader r(bytes);
  auto header = read_priv_header(r);
  ByteView body = r.tail();
  if (!r.ok()) return make_error_code(r.error());
  return ClientMessage{std::move(*header), to_bytes(body)};
}

std::size_t client_message_padded_length(const PubHeader& header) {
  return header.e2e_key ? kConfirmationPaddedLength : kMessagePaddedLength;
}

Result<Bytes> seal_client_message(const crypto::CbKey& key, const PubHeader& header,
                                  const ClientMessage& message, const crypto::CbNonce& nonce) {
  SMP_TRY(Bytes plain, encode_client_message(message));
  SMP_TRY(Bytes boxed, key.encrypt(nonce, plain, client_message_padded_length(header)));
  return encode_client_msg_envelope(ClientMsgEnvelope{header, nonce, std::move(boxed)});
}

Result<Bytes> seal_client_message(const crypto::CbKey& key, const PubHeader& header,
                                  const ClientMessage& message) {
  return seal_client_message(key, header, message, crypto::random_cb_nonce());
}

Result<ClientMessage> open_client_message(const crypto::CbKey& key,
                                          const ClientMsgEnvelope& envelope) {
  SMP_TRY(Bytes plain, key.decrypt(envelope.nonce, envelope.enc_body));
  return decode_client_message(plain);
}

}  // namespace smp::agent
