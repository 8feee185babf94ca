#include "smp/client/proxied_relay.h"

#include <vector>

#include "smp/client/correlation.h"
#include "smp/encoding/binary.h"
#include "smp/protocol/batch.h"
#include "smp/protocol/forwarding.h"
#include "smp/transport/cert_chain_key.h"
#include "smp/transport/current_hello.h"
#include "smp/transport/x509.h"

namespace smp::client {

namespace {

// The destination's X25519 key, when PKEY carries a chain for `key_hash` whose leaf signed it.
Result<crypto::PublicKey> destination_key(ByteView cert_chain_pub_key, ByteView key_hash) {
  const auto identity = make_error_code(errc::handshake_identity);
  enc::Reader reader(cert_chain_pub_key);
  auto cert_key = transport::read_cert_chain_pub_key(reader);
  if (!cert_key || !reader.ok() || !reader.at_end() || cert_key->chain.empty()) return identity;
  auto leaf = transport::certificate_from_der(cert_key->chain.front());
  if (!leaf) return identity;
  auto leaf_key = transport::certificate_public_key(leaf->get());
  if (!leaf_key) return identity;
  auto dh = transport::verify_server_dh_key(*cert_key, key_hash, *leaf_key);
  if (!dh) return identity;
  return std::move(*dh);
}

}  // namespace

Result<ProxiedRelay> check_proxy_key(const reply::ProxyKey& pkey, ByteView destination_key_hash) {
  // Checked first, as the reference does: a proxy offering nothing we speak is refused
  // before its certificates are looked at.
  auto version = enc::compatible_version(protocol::kCurrentVersions, pkey.versions);
  if (!version || *version < protocol::kSendingProxyVersion) {
    return make_error_code(errc::handshake_version);
  }
  auto dh = destination_key(pkey.cert_chain_pub_key, destination_key_hash);
  if (!dh) return dh.error();
  return ProxiedRelay{pkey.session_id, pkey.versions, *version, std::move(*dh)};
}

Result<ProxiedCommand> seal_proxied_command(const ProxiedRelay& relay, const crypto::PrivateKey* key,
                                            ByteView entity_id, const protocol::Command& command) {
  const crypto::CbNonce nonce = crypto::random_cb_nonce();
  const auto params = protocol::TransmissionParams::for_version(relay.version, relay.session_id);
  Bytes inner(protocol::kMaxBatchContent);
  auto n = protocol::encode_command_batch1(
      params, {relay.session_id, ByteView(nonce.data(), nonce.size()), entity_id}, command,
      {.key = key, .server_key = &relay.dh_key}, inner);
  if (!n) return n.error();
  inner.resize(*n);

  auto fresh = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto shared = crypto::CbKey::from_keys(relay.dh_key, fresh.private_key);
  if (!shared) return shared.error();
  auto encrypted = shared->encrypt(nonce, inner, protocol::kPaddedProxiedLength);
  if (!encrypted) {
    if (encrypted.error() == errc::crypto_large_msg) return make_error_code(errc::transport_large_msg);
    return encrypted.error();
  }
  return ProxiedCommand{nonce, std::move(fresh.public_key), std::move(*encrypted),
                        std::move(*shared)};
}

Result<Reply> open_proxied_answer(const ProxiedRelay& relay, const ProxiedCommand& sealed,
                                  ByteView entity_id, ByteView encrypted_answer,
                                  protocol::SmpError* server_error) {
  auto plain = sealed.shared_key.decrypt(protocol::reverse_nonce(sealed.nonce), encrypted_answer);
  if (!plain) return plain.error();
  const auto params = protocol::TransmissionParams::for_version(relay.version, relay.session_id);
  std::vector<protocol::ReceivedBrokerMessage> answers;
  protocol::receive_broker_batch(*plain, params, answers);
  if (answers.size() != 1) return make_error_code(errc::response_parse);
  const protocol::ReceivedBrokerMessage& answer = answers.front();
  if (answer.message && server_error != nullptr) {
    if (const auto* err = std::get_if<protocol::msg::Err>(&*answer.message)) {
      *server_error = err->error;
    }
  }
  return interpret_response(entity_id, answer, true);
}

std::string describe_server_error(const protocol::SmpError& e) {
  const Bytes text = protocol::encode_error_type(e, protocol::kCurrentMaxVersion);
  std::string out;
  out.reserve(text.size());
  // Printable ASCII only: a peer's free text must not reach a terminal raw.
  for (std::uint8_t b : text) out.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '?');
  return out;
}

}  // namespace smp::client
