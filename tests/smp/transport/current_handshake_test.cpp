// The current handshake's coroutines over an in-memory transport: what the server sends, that
// it sends nothing more when it refuses a client, and what each side records.
#include "smp/transport/current_handshake.h"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include "smp/crypto/dh.h"
#include "smp/encoding/padding.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/certificates.h"
#include "support/fake_block_transport.h"
#include "support/run_awaitable.h"

namespace smp::transport {
namespace {

using test::FakeBlockTransport;

const Bytes kSessionId(32, 0x5e);

struct Identity {
  CertificateSet certs;
  ServerHandshakeIdentity handshake;
};

Identity make(CertificateAlgorithm alg) {
  auto certs = generate_certificates({.algorithm = alg, .server_name = "127.0.0.1"}).value();
  auto handshake = server_handshake_identity(server_credentials(certs)).value();
  return Identity{std::move(certs), std::move(handshake)};
}

class CurrentHandshake : public ::testing::TestWithParam<CertificateAlgorithm> {
 protected:
  Identity id_ = make(GetParam());
  boost::asio::io_context io_;

  Result<std::uint16_t> run_server(FakeBlockTransport& t) {
    auto r = test::run_awaitable(io_, current_server_handshake(t, id_.handshake));
    return r ? *r : Result<std::uint16_t>(make_error_code(errc::timeout));
  }

  // The server's first block, parsed.
  static CurrentServerHandshake hello_of(const FakeBlockTransport& t) {
    EXPECT_GE(t.written().size(), 1u);
    auto content = enc::unpad(t.written().front());
    EXPECT_TRUE(content.has_value());
    return parse_current_server_handshake(*content).value();
  }

  Bytes client_block(std::uint16_t version, ByteView key_hash, std::optional<crypto::PublicKey> key,
                     bool proxy = false) {
    return encode_current_client_handshake({version, to_bytes(key_hash), key, proxy, std::nullopt})
        .value();
  }
};

TEST_P(CurrentHandshake, IdentityCarriesTheChainTheKeyHashAndTheOnlineKey) {
  const ServerHandshakeIdentity& h = id_.handshake;
  ASSERT_EQ(h.chain.size(), 2u);
  auto ca_hash = key_hash_of_certificate_pem(id_.certs.ca_cert_pem);
  ASSERT_TRUE(ca_hash.has_value());
  EXPECT_EQ(h.key_hash, to_bytes(*ca_hash));
  EXPECT_EQ(to_bytes(key_hash_of_certificate_der(h.chain[1])), h.key_hash);
  EXPECT_EQ(h.signing_key.algorithm(), GetParam() == CertificateAlgorithm::ed448
                                           ? crypto::KeyAlgorithm::ed448
                                           : crypto::KeyAlgorithm::ed25519);
}

TEST_P(CurrentHandshake, ServerOffers6To18AndAFreshKeySignedByItsOnlineKey) {
  FakeBlockTransport a(io_.get_executor(), kSessionId), b(io_.get_executor(), kSessionId);
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  a.push_content(client_block(18, id_.handshake.key_hash, key));
  b.push_content(client_block(18, id_.handshake.key_hash, key));
  ASSERT_TRUE(run_server(a).has_value());
  ASSERT_TRUE(run_server(b).has_value());
  CurrentServerHandshake ha = hello_of(a), hb = hello_of(b);
  EXPECT_EQ(ha.versions, enc::VersionRange::of(6, 18));
  EXPECT_EQ(ha.session_id, kSessionId);
  ASSERT_TRUE(ha.cert_key && hb.cert_key);
  EXPECT_EQ(ha.cert_key->chain, id_.handshake.chain);
  auto signed_a = verify_signed_key(ha.cert_key->signed_key, id_.handshake.signing_key.public_key(),
                                    crypto::kDhX25519);
  auto signed_b = verify_signed_key(hb.cert_key->signed_key, id_.handshake.signing_key.public_key(),
                                    crypto::kDhX25519);
  ASSERT_TRUE(signed_a && signed_b);
  EXPECT_NE(*signed_a, *signed_b);  // one key per connection
  // The key it signed is the one it keeps for the connection.
  ASSERT_TRUE(a.params().server_dh_key.has_value());
  EXPECT_EQ(a.params().server_dh_key->public_key(), *signed_a);
}

TEST_P(CurrentHandshake, ServerRecordsWhatWasAgreed) {
  FakeBlockTransport t(io_.get_executor(), kSessionId);
  auto client = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519);
  t.push_content(client_block(12, id_.handshake.key_hash, client.public_key));
  auto v = run_server(t);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, 12);
  const SessionParams& p = t.params();
  EXPECT_TRUE(p.current);
  EXPECT_EQ(p.version, 12);
  EXPECT_EQ(t.smp_version(), 12);
  EXPECT_EQ(p.server_versions, enc::VersionRange::of(6, 12));
  EXPECT_TRUE(p.implied_session_id);
  EXPECT_FALSE(p.service_signature);
  EXPECT_TRUE(p.block_encryption);
  EXPECT_EQ(t.max_block_content(), protocol::kMaxEncryptedBlockContent);
  // sessSecret' = dh' clientKey serverPrivKey.
  ASSERT_TRUE(p.session_secret && p.server_dh_key);
  auto secret = crypto::dh(p.server_dh_key->public_key(), client.private_key);
  ASSERT_TRUE(secret.has_value());
  EXPECT_TRUE(std::ranges::equal(p.session_secret->view(), secret->view()));
  EXPECT_FALSE(t.closed());
}

TEST_P(CurrentHandshake, RefusalsSendNothingAfterTheHelloAndClose) {
  auto key = crypto::generate_key_pair(crypto::KeyAlgorithm::x25519).public_key;
  Bytes wrong_hash = id_.handshake.key_hash;
  wrong_hash[7] ^= 1;
  // A v13 block relabelled v14: the proxy flag v14 requires is missing.
  Bytes no_flag = client_block(13, id_.handshake.key_hash, key);
  no_flag[1] = 14;
  struct Case {
    const char* name;
    Bytes block;
    errc expected;
  };
  const Case cases[] = {
      {"identity", client_block(18, wrong_hash, key), errc::handshake_identity},
      {"identity before version", client_block(30, wrong_hash, key), errc::handshake_identity},
      {"version above", client_block(19, id_.handshake.key_hash, key), errc::handshake_version},
      {"version below", client_block(5, id_.handshake.key_hash, key), errc::handshake_version},
      {"v1's version", client_block(1, id_.handshake.key_hash, key), errc::handshake_version},
      {"unparsable", Bytes{0}, errc::handshake_parse},
      {"v14 without its flag", no_flag, errc::handshake_parse},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeBlockTransport t(io_.get_executor(), kSessionId);
    t.push_content(c.block);
    auto v = run_server(t);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error(), c.expected);
    EXPECT_EQ(t.written().size(), 1u);  // the hello only: no error block
    EXPECT_TRUE(t.closed());
    EXPECT_FALSE(t.params().current);
  }
}

TEST_P(CurrentHandshake, ASmallOrderClientKeyIsRefused) {
  FakeBlockTransport t(io_.get_executor(), kSessionId);
  auto zero = crypto::PublicKey::from_raw(crypto::KeyAlgorithm::x25519, Bytes(32, 0)).value();
  t.push_content(client_block(18, id_.handshake.key_hash, zero));
  auto v = run_server(t);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error(), errc::crypto_failure);
  EXPECT_EQ(t.written().size(), 1u);
  EXPECT_TRUE(t.closed());
}

TEST_P(CurrentHandshake, ClientAgreesWithWhatTheServerSent) {
  // The client side against a server block made by the server side of another fake.
  FakeBlockTransport server(io_.get_executor(), kSessionId);
  server.push_content(client_block(18, id_.handshake.key_hash, std::nullopt));
  ASSERT_TRUE(run_server(server).has_value());
  FakeBlockTransport client(io_.get_executor(), kSessionId);
  client.push_padded(server.written().front());
  auto v = test::run_awaitable(
      io_, current_client_handshake(client, id_.handshake.key_hash,
                                    id_.handshake.signing_key.public_key(), {}));
  ASSERT_TRUE(v && v->has_value());
  EXPECT_EQ(**v, 18);
  const SessionParams& p = client.params();
  EXPECT_TRUE(p.block_encryption);
  ASSERT_TRUE(p.server_dh_public.has_value());
  EXPECT_EQ(*p.server_dh_public, server.params().server_dh_key->public_key());
  // What it sent: version 18, the key hash, its key, proxyServer 'F', no service.
  ASSERT_EQ(client.written().size(), 1u);
  auto sent = parse_current_client_handshake(*enc::unpad(client.written().front()));
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->version, 18);
  EXPECT_EQ(sent->key_hash, id_.handshake.key_hash);
  EXPECT_TRUE(sent->dh_key.has_value());
  EXPECT_FALSE(sent->proxy_server);
  EXPECT_FALSE(sent->service.has_value());
  // The server's CertChainPubKey as received, for PKEY.
  enc::Writer w;
  write_cert_chain_pub_key(w, *hello_of(server).cert_key);
  EXPECT_EQ(p.server_cert_key, w.bytes());

  // Another session id: TEBadSession, nothing sent.
  FakeBlockTransport other(io_.get_executor(), Bytes(32, 1));
  other.push_padded(server.written().front());
  auto bad = test::run_awaitable(
      io_, current_client_handshake(other, id_.handshake.key_hash,
                                    id_.handshake.signing_key.public_key(), {}));
  ASSERT_TRUE(bad && !bad->has_value());
  EXPECT_EQ(bad->error(), errc::bad_session);
  EXPECT_TRUE(other.written().empty());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CurrentHandshake,
                         ::testing::Values(CertificateAlgorithm::ed25519,
                                           CertificateAlgorithm::ed448),
                         [](const ::testing::TestParamInfo<CertificateAlgorithm>& p) {
                           return p.param == CertificateAlgorithm::ed448 ? "Ed448" : "Ed25519";
                         });

}  // namespace
}  // namespace smp::transport
