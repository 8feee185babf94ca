// libFuzzer target for the current SMP handshake's parsers (current_hello.h). Selector byte:
//   0: the server's block (SMPServerHandshake, with its CertChainPubKey)
//   1: the client's block (SMPClientHandshake, with an optional service)
//   2: the server's response to a service ('R' serviceId | 'E' error)
// Every input must parse or be refused without reading outside it; what parses must encode
// and parse back to the same values, and a signed key that parsed is checked (and must not
// verify with an unrelated key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "smp/crypto/keys.h"
#include "smp/transport/cert_chain_key.h"
#include "smp/transport/current_hello.h"

namespace {

using namespace smp;
using namespace smp::transport;

void check(bool condition) {
  if (!condition) std::abort();
}

const crypto::PublicKey& unrelated_key() {
  static const crypto::PublicKey key =
      crypto::generate_key_pair(crypto::KeyAlgorithm::ed25519).public_key;
  return key;
}

void check_signed_key(const CertChainPubKey& k) {
  auto verified = verify_signed_key(k.signed_key, unrelated_key(), crypto::kDhX25519);
  check(!verified.has_value());
  (void)id_certificate(k.chain);
}

void server_block(smp::ByteView in) {
  auto parsed = parse_current_server_handshake(in);
  if (!parsed) return;
  if (parsed->cert_key) check_signed_key(*parsed->cert_key);
  auto encoded = encode_current_server_handshake(*parsed);
  check(encoded.has_value());
  auto again = parse_current_server_handshake(*encoded);
  check(again.has_value());
  check(again->versions == parsed->versions && again->session_id == parsed->session_id);
  check(again->cert_key == parsed->cert_key);
}

void client_block(smp::ByteView in) {
  auto parsed = parse_current_client_handshake(in);
  if (!parsed) return;
  if (parsed->service) check_signed_key(parsed->service->cert_key);
  auto encoded = encode_current_client_handshake(*parsed);
  check(encoded.has_value());
  auto again = parse_current_client_handshake(*encoded);
  check(again.has_value());
  check(again->version == parsed->version && again->key_hash == parsed->key_hash);
  check(again->dh_key == parsed->dh_key && again->proxy_server == parsed->proxy_server);
  check(again->service.has_value() == parsed->service.has_value());
  if (again->service) {
    check(again->service->role == parsed->service->role);
    check(again->service->cert_key == parsed->service->cert_key);
  }
}

void response_block(smp::ByteView in) {
  auto parsed = parse_server_handshake_response(in);
  if (!parsed) return;
  auto encoded = encode_server_handshake_response(*parsed);
  check(encoded.has_value());
  auto again = parse_server_handshake_response(*encoded);
  check(again.has_value());
  check(again->service_id == parsed->service_id && again->error == parsed->error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  smp::ByteView in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      server_block(in);
      break;
    case 1:
      client_block(in);
      break;
    default:
      response_block(in);
      break;
  }
  return 0;
}
