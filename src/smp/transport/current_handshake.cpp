#include "smp/transport/current_handshake.h"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "smp/common/try.h"
#include "smp/crypto/dh.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/block_encryption.h"
#include "smp/transport/certificates.h"
#include "smp/transport/x509.h"

namespace smp::transport {

namespace {

using protocol::kSmpAuthCommandsVersion;
using protocol::kSmpEncryptedBlockVersion;
using protocol::kSmpServiceCertsVersion;

// The DH secret as SessionParams keeps it. errc::crypto_failure for a small-order key.
Result<crypto::SecretArray<32>> session_secret(const crypto::PublicKey& theirs,
                                               const crypto::PrivateKey& ours) {
  SMP_TRY(SecretBytes secret, crypto::dh(theirs, ours));
  crypto::SecretArray<32> out;
  ByteView b = secret.view();
  if (b.size() != out.size()) return make_error_code(errc::crypto_failure);
  std::copy(b.begin(), b.end(), out.data());
  return out;
}

// The version-dependent parameters (smpTHandle_).
SessionParams params_for(std::uint16_t version, enc::VersionRange server_versions) {
  SessionParams p;
  p.version = version;
  p.server_versions = server_versions;
  p.current = true;
  p.implied_session_id = version >= kSmpAuthCommandsVersion;
  p.service_signature = version >= kSmpServiceCertsVersion;
  return p;
}

// blockEncryption: from v11, when there is a session secret, and not towards a proxy.
Result<std::optional<BlockEncryption>> block_encryption_for(const SessionParams& p,
                                                            ByteView session_id, TlsRole role) {
  if (p.version < kSmpEncryptedBlockVersion || p.client_is_proxy || !p.session_secret) {
    return std::optional<BlockEncryption>();
  }
  SMP_TRY(BlockEncryption e, BlockEncryption::start(session_id, p.session_secret->view(), role));
  return std::optional<BlockEncryption>(std::move(e));
}

Result<void> establish(BlockTransport& transport, SessionParams params, TlsRole role) {
  SMP_TRY(std::optional<BlockEncryption> encryption,
          block_encryption_for(params, transport.session_id(), role));
  params.block_encryption = encryption.has_value();
  transport.set_session(std::move(params), std::move(encryption));
  return {};
}

// The server's first block: a fresh key pair, its public key signed by the online key.
Result<Bytes> server_hello(ByteView session_id, const ServerHandshakeIdentity& identity,
                           const crypto::PublicKey& dh_public) {
  SMP_TRY(Bytes signed_key, sign_public_key(identity.signing_key, dh_public));
  CurrentServerHandshake hello{identity.versions, to_bytes(session_id),
                               CertChainPubKey{identity.chain, std::move(signed_key)}};
  return encode_current_server_handshake(hello);
}

// The part of the server's handshake after its block is out; the caller closes on failure.
net::awaitable<Result<std::uint16_t>> serve(BlockTransport& transport,
                                            const ServerHandshakeIdentity& identity,
                                            crypto::KeyPair keys) {
  auto reply = co_await transport.read_block_view();
  if (!reply) co_return reply.error();
  auto client = parse_current_client_handshake(*reply);
  if (!client) co_return client.error();
  auto agreed = accept_current_client(*client, identity.key_hash, identity.versions);
  if (!agreed) co_return agreed.error();
  if (client->service) {
    // getClientService: the service's chain must be the TLS client certificate chain, and
    // this server asks for none, so the reference answers BAD_AUTH (sendErr) and closes.
    auto refusal = encode_server_handshake_response({std::nullopt, errc::handshake_bad_auth});
    if (refusal) (void)co_await transport.write_block(*refusal);
    co_return make_error_code(errc::handshake_bad_auth);
  }
  const std::uint16_t version = client->version;
  SessionParams params = params_for(version, *agreed);
  params.client_is_proxy = client->proxy_server;
  if (client->dh_key) {
    auto secret = session_secret(*client->dh_key, keys.private_key);
    if (!secret) co_return secret.error();
    params.session_secret = std::move(*secret);
  }
  params.server_dh_key = std::move(keys.private_key);
  if (auto done = establish(transport, std::move(params), TlsRole::server); !done) {
    co_return done.error();
  }
  co_return version;
}

}  // namespace

Result<ServerHandshakeIdentity> server_handshake_identity(const ServerCredentials& credentials) {
  SMP_TRY(std::vector<X509Ptr> certs, parse_certificates_pem(credentials.certificate_chain_pem));
  if (certs.size() != 2) return make_error_code(errc::config_invalid);
  SMP_TRY(crypto::PrivateKey key, signing_key_from_pem(credentials.private_key_pem.view()));
  std::vector<Bytes> chain;
  for (const X509Ptr& cert : certs) {
    SMP_TRY(Bytes der, certificate_der(cert.get()));
    chain.push_back(std::move(der));
  }
  Bytes key_hash = to_bytes(key_hash_of_certificate_der(chain[1]));
  return ServerHandshakeIdentity{std::move(key_hash), std::move(key), std::move(chain)};
}

net::awaitable<Result<std::uint16_t>> current_server_handshake(
    BlockTransport& transport, const ServerHandshakeIdentity& identity) {
  auto fail = [&transport](error_code e) -> Result<std::uint16_t> {
    spdlog::debug("smp handshake (server, current) failed: {}", e.message());
    transport.close();
    return e;
  };
  crypto::KeyPair keys = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  auto hello = server_hello(transport.session_id(), identity, keys.public_key);
  if (!hello) co_return fail(hello.error());
  if (auto sent = co_await transport.write_block(*hello); !sent) co_return fail(sent.error());
  auto version = co_await serve(transport, identity, std::move(keys));
  if (!version) co_return fail(version.error());
  co_return *version;
}

net::awaitable<Result<std::uint16_t>> current_client_handshake(
    BlockTransport& transport, ByteView key_hash, const crypto::PublicKey& tls_certificate_key,
    const ClientHandshakeOptions& options) {
  auto block = co_await transport.read_block_view();
  if (!block) co_return block.error();
  auto server = parse_current_server_handshake(*block);
  if (!server) co_return server.error();
  auto agreed = choose_current_versions(*server, transport.session_id(), options);
  if (!agreed) co_return agreed.error();
  std::optional<crypto::PublicKey> server_key;
  if (server->cert_key) {
    auto verified = verify_server_dh_key(*server->cert_key, key_hash, tls_certificate_key);
    if (!verified) co_return verified.error();
    server_key = *verified;
  }
  const std::uint16_t version = agreed->max();
  crypto::KeyPair keys = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  CurrentClientHandshake hello{version, to_bytes(key_hash), keys.public_key, options.proxy_server,
                               std::nullopt};
  auto encoded = encode_current_client_handshake(hello);
  if (!encoded) co_return encoded.error();
  if (auto sent = co_await transport.write_block(*encoded); !sent) co_return sent.error();

  SessionParams params = params_for(version, *agreed);
  params.client_is_proxy = options.proxy_server;
  if (server_key) {
    auto secret = session_secret(*server_key, keys.private_key);
    if (!secret) co_return secret.error();
    params.session_secret = std::move(*secret);
    params.server_dh_public = *server_key;
    enc::Writer w;
    write_cert_chain_pub_key(w, *server->cert_key);
    params.server_cert_key = w.bytes();
  }
  if (auto done = establish(transport, std::move(params), TlsRole::client); !done) {
    co_return done.error();
  }
  co_return version;
}

}  // namespace smp::transport
