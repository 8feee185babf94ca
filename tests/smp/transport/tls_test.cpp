#include "smp/transport/tls.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <vector>

#include "loopback.h"
#include "smp/transport/tls_stream.h"
#include "smp/transport/x509.h"
#include "support/run_awaitable.h"
#include "support/temp_dir.h"
#include "support/vectors.h"

namespace smp::transport {
namespace {

// A generated identity parsed back into OpenSSL objects.
struct Chain {
  CertificateSet set;
  X509Ptr leaf;
  X509Ptr ca;
  EvpPkeyPtr ca_key;
  Bytes key_hash;

  std::array<X509*, 2> certs() const { return {leaf.get(), ca.get()}; }
};

Chain make_chain(std::string name = "127.0.0.1",
                 CertificateAlgorithm alg = CertificateAlgorithm::ed25519) {
  Chain c;
  c.set = generate_certificates({.algorithm = alg, .server_name = name}).value();
  c.leaf = parse_certificate_pem(c.set.server_cert_pem).value();
  c.ca = parse_certificate_pem(c.set.ca_cert_pem).value();
  c.ca_key = parse_private_key_pem(c.set.ca_key_pem.view()).value();
  c.key_hash = to_bytes(key_hash_of_certificate_pem(c.set.ca_cert_pem).value());
  return c;
}

errc validate(std::span<X509* const> chain, std::string_view host, ByteView key_hash) {
  auto r = validate_server_chain(chain, host, key_hash);
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

TEST(ValidateServerChain, AcceptsGeneratedChainForItsIpAddress) {
  Chain c = make_chain();
  auto certs = c.certs();
  EXPECT_EQ(validate(certs, "127.0.0.1", c.key_hash), errc::ok);
}

TEST(ValidateServerChain, AcceptsGeneratedChainForItsDnsName) {
  Chain c = make_chain("smp.example.com", CertificateAlgorithm::ed448);
  auto certs = c.certs();
  EXPECT_EQ(validate(certs, "smp.example.com", c.key_hash), errc::ok);
  EXPECT_EQ(validate(certs, "SMP.Example.COM", c.key_hash), errc::ok);
  EXPECT_EQ(validate(certs, "other.example.com", c.key_hash), errc::tls_failure);
  EXPECT_EQ(validate(certs, "127.0.0.1", c.key_hash), errc::tls_failure);
}

TEST(ValidateServerChain, RequiresExactlyTwoCertificates) {
  Chain c = make_chain();
  std::array<X509*, 1> one = {c.leaf.get()};
  std::array<X509*, 3> three = {c.leaf.get(), c.ca.get(), c.ca.get()};
  EXPECT_EQ(validate(one, "127.0.0.1", c.key_hash), errc::tls_failure);
  EXPECT_EQ(validate(three, "127.0.0.1", c.key_hash), errc::tls_failure);
  EXPECT_EQ(validate({}, "127.0.0.1", c.key_hash), errc::tls_failure);
}

TEST(ValidateServerChain, RequiresKeyHashOfSecondCertificate) {
  Chain c = make_chain();
  auto certs = c.certs();
  Bytes wrong = c.key_hash;
  wrong.back() ^= 0x80;
  EXPECT_EQ(validate(certs, "127.0.0.1", wrong), errc::tls_failure);
  EXPECT_EQ(validate(certs, "127.0.0.1", Bytes{}), errc::tls_failure);
  // The hash of the leaf does not identify the server.
  Bytes leaf_hash = to_bytes(key_hash_of_certificate_pem(c.set.server_cert_pem).value());
  EXPECT_EQ(validate(certs, "127.0.0.1", leaf_hash), errc::tls_failure);
  std::array<X509*, 2> swapped = {c.ca.get(), c.leaf.get()};
  EXPECT_EQ(validate(swapped, "127.0.0.1", leaf_hash), errc::tls_failure);
}

TEST(ValidateServerChain, RejectsLeafSignedByAnotherCa) {
  Chain a = make_chain();
  Chain b = make_chain();
  std::array<X509*, 2> mixed = {a.leaf.get(), b.ca.get()};
  EXPECT_EQ(validate(mixed, "127.0.0.1", b.key_hash), errc::tls_failure);
}

TEST(ValidateServerChain, RejectsIssuerWithoutCaFlag) {
  Chain a = make_chain();
  Chain b = make_chain();
  // b's server certificate posing as the CA of a leaf.
  Bytes fake_hash = to_bytes(key_hash_of_certificate_pem(b.set.server_cert_pem).value());
  X509Ptr leaf(X509_dup(a.leaf.get()));
  ASSERT_EQ(X509_set_issuer_name(leaf.get(), X509_get_subject_name(b.leaf.get())), 1);
  EvpPkeyPtr b_server_key = parse_private_key_pem(b.set.server_key_pem.view()).value();
  ASSERT_GT(X509_sign(leaf.get(), b_server_key.get(), nullptr), 0);
  std::array<X509*, 2> chain = {leaf.get(), b.leaf.get()};
  EXPECT_EQ(validate(chain, "127.0.0.1", fake_hash), errc::tls_failure);
}

TEST(ValidateServerChain, RejectsExpiredAndNotYetValidLeaf) {
  Chain c = make_chain();
  for (long shift_days : {-2L, 2L}) {
    SCOPED_TRACE(shift_days);
    X509Ptr leaf(X509_dup(c.leaf.get()));
    if (shift_days < 0) {
      ASSERT_NE(X509_time_adj_ex(X509_getm_notAfter(leaf.get()), static_cast<int>(shift_days), 0,
                                 nullptr),
                nullptr);
      ASSERT_NE(X509_time_adj_ex(X509_getm_notBefore(leaf.get()), -10, 0, nullptr), nullptr);
    } else {
      ASSERT_NE(X509_time_adj_ex(X509_getm_notBefore(leaf.get()), static_cast<int>(shift_days),
                                 0, nullptr),
                nullptr);
    }
    ASSERT_GT(X509_sign(leaf.get(), c.ca_key.get(), nullptr), 0);
    std::array<X509*, 2> chain = {leaf.get(), c.ca.get()};
    EXPECT_EQ(validate(chain, "127.0.0.1", c.key_hash), errc::tls_failure);
  }
}

TEST(ValidateServerChain, RejectsTamperedLeafSignature) {
  Chain c = make_chain();
  X509Ptr leaf(X509_dup(c.leaf.get()));
  // Re-signed by its own key instead of the CA's.
  EvpPkeyPtr server_key = parse_private_key_pem(c.set.server_key_pem.view()).value();
  ASSERT_GT(X509_sign(leaf.get(), server_key.get(), nullptr), 0);
  std::array<X509*, 2> chain = {leaf.get(), c.ca.get()};
  EXPECT_EQ(validate(chain, "127.0.0.1", c.key_hash), errc::tls_failure);
}

TEST(ValidateServerChain, IpHostMatchesCnWhenCertificateHasNoSan) {
  // A certificate like the reference's `init` makes: CN = IP, no subjectAltName.
  Chain c = make_chain("10.1.2.3");
  X509Ptr leaf(X509_dup(c.leaf.get()));
  int idx = X509_get_ext_by_NID(leaf.get(), NID_subject_alt_name, -1);
  ASSERT_GE(idx, 0);
  X509_EXTENSION_free(X509_delete_ext(leaf.get(), idx));
  ASSERT_GT(X509_sign(leaf.get(), c.ca_key.get(), nullptr), 0);
  std::array<X509*, 2> chain = {leaf.get(), c.ca.get()};
  EXPECT_EQ(validate(chain, "10.1.2.3", c.key_hash), errc::ok);
  EXPECT_EQ(validate(chain, "10.1.2.4", c.key_hash), errc::tls_failure);
}

// The reference's test fixture certificates: CN = localhost, no SAN, Ed448.
TEST(ValidateServerChain, AcceptsReferenceFixtureChainForLocalhost) {
  SMP_LOAD_VECTORS(v, "keys.json");
  const auto& certs = v.at("certificates").as_array();
  ASSERT_EQ(certs.size(), 2u);
  Bytes ca_der = test::hex(certs[0].at("certificate_der"));
  Bytes leaf_der = test::hex(certs[1].at("certificate_der"));
  const unsigned char* p = ca_der.data();
  X509Ptr ca(d2i_X509(nullptr, &p, static_cast<long>(ca_der.size())));
  p = leaf_der.data();
  X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
  ASSERT_TRUE(ca && leaf);
  Bytes key_hash = test::hex(certs[0].at("key_hash"));
  std::array<X509*, 2> chain = {leaf.get(), ca.get()};
  EXPECT_EQ(validate(chain, "localhost", key_hash), errc::ok);
  EXPECT_EQ(validate(chain, "127.0.0.1", key_hash), errc::tls_failure);
  EXPECT_EQ(validate(chain, "localhost", test::hex(certs[1].at("key_hash"))), errc::tls_failure);
}

errc validate_current(std::span<X509* const> chain, ByteView key_hash) {
  auto r = validate_current_server_chain(chain, key_hash);
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

Bytes der_hash(X509* cert) {
  return to_bytes(key_hash_of_certificate_der(certificate_der(cert).value()));
}

// A chain [leaf, idCert, CA]: b's CA renamed and re-issued by a's CA (generated CAs share
// one name, and a certificate whose issuer is its own name reads as self-signed), and b's
// leaf re-issued under the new name.
struct ThreeChain {
  X509Ptr leaf, mid;
};

ThreeChain three_chain(const Chain& a, const Chain& b) {
  ThreeChain t{X509Ptr(X509_dup(b.leaf.get())), X509Ptr(X509_dup(b.ca.get()))};
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("SMP identity"), -1, -1, 0);
  int idx = X509_get_ext_by_NID(t.mid.get(), NID_authority_key_identifier, -1);
  if (idx >= 0) X509_EXTENSION_free(X509_delete_ext(t.mid.get(), idx));
  EXPECT_EQ(X509_set_subject_name(t.mid.get(), name), 1);
  EXPECT_EQ(X509_set_issuer_name(t.mid.get(), X509_get_subject_name(a.ca.get())), 1);
  EXPECT_GT(X509_sign(t.mid.get(), a.ca_key.get(), nullptr), 0);
  EXPECT_EQ(X509_set_issuer_name(t.leaf.get(), name), 1);
  EXPECT_GT(X509_sign(t.leaf.get(), b.ca_key.get(), nullptr), 0);
  X509_NAME_free(name);
  return t;
}

TEST(ValidateCurrentServerChain, AcceptsTwoToFourCertificatesWhateverTheHostName) {
  // validateCertificateChain / chainIdCaCerts (Transport/Client.hs, Transport/Shared.hs).
  Chain c = make_chain("smp.example.com");
  auto two = c.certs();
  EXPECT_EQ(validate_current(two, c.key_hash), errc::ok);  // checkFQHN = False

  Chain a = make_chain(), b = make_chain();
  ThreeChain t = three_chain(a, b);
  std::array<X509*, 3> three = {t.leaf.get(), t.mid.get(), a.ca.get()};
  EXPECT_EQ(validate_current(three, der_hash(t.mid.get())), errc::ok);
  // The identity is the second certificate, not the last.
  EXPECT_EQ(validate_current(three, a.key_hash), errc::tls_failure);
  std::array<X509*, 4> four = {t.leaf.get(), t.mid.get(), a.ca.get(), a.ca.get()};
  EXPECT_EQ(validate_current(four, der_hash(t.mid.get())), errc::ok);
}

TEST(ValidateCurrentServerChain, RefusesOtherLengthsWrongHashesAndBrokenPaths) {
  Chain c = make_chain();
  std::array<X509*, 1> one = {c.leaf.get()};
  EXPECT_EQ(validate_current(one, c.key_hash), errc::tls_failure);
  EXPECT_EQ(validate_current({}, c.key_hash), errc::tls_failure);
  std::array<X509*, 5> five = {c.leaf.get(), c.ca.get(), c.ca.get(), c.ca.get(), c.ca.get()};
  EXPECT_EQ(validate_current(five, c.key_hash), errc::tls_failure);
  Bytes wrong = c.key_hash;
  wrong[0] ^= 1;
  auto two = c.certs();
  EXPECT_EQ(validate_current(two, wrong), errc::tls_failure);
  // A leaf of another CA; an issuer without CA:true.
  Chain other = make_chain();
  std::array<X509*, 2> mixed = {other.leaf.get(), c.ca.get()};
  EXPECT_EQ(validate_current(mixed, c.key_hash), errc::tls_failure);
  std::array<X509*, 2> not_ca = {c.leaf.get(), other.leaf.get()};
  EXPECT_EQ(validate_current(not_ca, der_hash(other.leaf.get())), errc::tls_failure);
  // A three-certificate chain whose middle does not lead to its last.
  Chain a = make_chain(), b = make_chain();
  ThreeChain t = three_chain(a, b);
  std::array<X509*, 3> broken = {t.leaf.get(), t.mid.get(), c.ca.get()};
  EXPECT_EQ(validate_current(broken, der_hash(t.mid.get())), errc::tls_failure);
}

TEST(ServerContext, BuildsFromGeneratedAndLoadedCredentials) {
  test::TempDir dir;
  auto set = generate_certificates({.algorithm = CertificateAlgorithm::ed448});
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(make_server_context(server_credentials(*set)).has_value());
  ASSERT_TRUE(write_certificate_files(dir.path(), *set).has_value());
  auto loaded = load_server_credentials(dir.path() / kCaCertFile, dir.path() / kServerCertFile,
                                        dir.path() / kServerKeyFile);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->certificate_chain_pem, set->server_cert_pem + set->ca_cert_pem);
  EXPECT_TRUE(make_server_context(*loaded).has_value());
  EXPECT_EQ(load_server_credentials(dir.path() / "missing", dir.path() / kServerCertFile,
                                    dir.path() / kServerKeyFile)
                .error(),
            errc::not_found);
}

TEST(ServerContext, RejectsMismatchedKeyMalformedPemAndShortChain) {
  auto a = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  auto b = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  ServerCredentials mismatched{a->server_cert_pem + a->ca_cert_pem, b->server_key_pem.clone()};
  EXPECT_EQ(make_server_context(mismatched).error(), errc::config_invalid);
  ServerCredentials one{a->server_cert_pem, a->server_key_pem.clone()};
  EXPECT_EQ(make_server_context(one).error(), errc::config_invalid);
  ServerCredentials garbage{"garbage", a->server_key_pem.clone()};
  EXPECT_EQ(make_server_context(garbage).error(), errc::bad_der);
  ServerCredentials no_key{a->server_cert_pem + a->ca_cert_pem, SecretBytes(as_bytes("x"))};
  EXPECT_EQ(make_server_context(no_key).error(), errc::bad_der);
}

// What one TLS handshake between a server context and a client context agreed on.
struct KeyExchange {
  int client_saw = EVP_PKEY_NONE;  // the type of the server's ephemeral key, at the client
  int server_used = NID_undef;     // the group the server negotiated
  std::vector<int> offered;        // the client's groups, in its order, as the server read them
};

// A handshake with a server of `alg`; `client_groups` replaces the client's group list unless
// it is null. Fields stay at their defaults for a side whose handshake failed.
KeyExchange key_exchange(CertificateAlgorithm alg, const char* client_groups) {
  KeyExchange kx;
  test::Loopback net;
  test::ServerIdentity id = test::make_identity(alg);
  auto client_ctx = make_client_context();
  if (!id.context || !client_ctx) return kx;
  TlsStream client(net.io, *client_ctx);
  if (client_groups != nullptr) {
    EXPECT_EQ(SSL_ctrl(client.native_handle(), SSL_CTRL_SET_GROUPS_LIST, 0,
                       const_cast<char*>(client_groups)),
              1);
  }
  EXPECT_TRUE(expect_server(client.native_handle(), "127.0.0.1", id.key_hash).has_value());
  std::optional<TlsStream> server;
  auto server_side = [&]() -> net::awaitable<bool> {
    auto [ec, socket] = co_await net.acceptor.async_accept(test::kUseTuple);
    if (ec) co_return false;
    server.emplace(std::move(socket), *id.context);
    std::tie(ec) = co_await server->async_handshake(ssl::stream_base::server, test::kUseTuple);
    if (ec) co_return false;
    SSL* ssl = server->native_handle();
    kx.server_used = static_cast<int>(SSL_ctrl(ssl, SSL_CTRL_GET_NEGOTIATED_GROUP, 0, nullptr));
    // SSL_get1_groups: on a server, the groups the client sent.
    kx.offered.resize(static_cast<std::size_t>(SSL_ctrl(ssl, SSL_CTRL_GET_GROUPS, 0, nullptr)));
    SSL_ctrl(ssl, SSL_CTRL_GET_GROUPS, 0, kx.offered.data());
    co_return true;
  };
  auto client_side = [&]() -> net::awaitable<bool> {
    auto [ec] = co_await client.next_layer().async_connect(net.acceptor.local_endpoint(),
                                                           test::kUseTuple);
    if (!ec) {
      std::tie(ec) = co_await client.async_handshake(ssl::stream_base::client, test::kUseTuple);
    }
    if (ec) co_return false;
    EVP_PKEY* key = nullptr;
    if (SSL_get_peer_tmp_key(client.native_handle(), &key) == 1 && key != nullptr) {
      kx.client_saw = EVP_PKEY_get_id(key);
    }
    EVP_PKEY_free(key);
    co_return true;
  };
  test::run_both(net.io, server_side(), client_side());
  return kx;
}

TEST(ServerContext, ChoosesX25519FromOurClientsX448FirstList) {
  for (auto alg : {CertificateAlgorithm::ed25519, CertificateAlgorithm::ed448}) {
    KeyExchange kx = key_exchange(alg, nullptr);
    EXPECT_EQ(kx.offered, (std::vector<int>{NID_X448, NID_X25519}));
    EXPECT_EQ(kx.server_used, NID_X25519);
    EXPECT_EQ(kx.client_saw, EVP_PKEY_X25519);
  }
  EXPECT_EQ(key_exchange(CertificateAlgorithm::ed25519, "X25519:X448").client_saw,
            EVP_PKEY_X25519);
}

TEST(ServerContext, StillAgreesOnX448WithAClientOfferingOnlyX448) {
  for (auto alg : {CertificateAlgorithm::ed25519, CertificateAlgorithm::ed448}) {
    KeyExchange kx = key_exchange(alg, "X448");
    EXPECT_EQ(kx.server_used, NID_X448);
    EXPECT_EQ(kx.client_saw, EVP_PKEY_X448);
  }
  EXPECT_EQ(key_exchange(CertificateAlgorithm::ed448, "X25519").client_saw, EVP_PKEY_X25519);
}

TEST(ServerContext, RefusesAClientWithNoCommonGroup) {
  KeyExchange kx = key_exchange(CertificateAlgorithm::ed25519, "P-256");
  EXPECT_EQ(kx.client_saw, EVP_PKEY_NONE);
  EXPECT_EQ(kx.server_used, NID_undef);
}

TEST(ClientContext, OffersOnlyTheReferenceParameters) {
  auto ctx = make_client_context();
  ASSERT_TRUE(ctx.has_value());
  SSL_CTX* native = ctx->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_LEGACY_SERVER_CONNECT, 0u);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_TICKET, 0u);
  EXPECT_NE(SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION, 0u);
  EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_PEER);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(native);
  // TLS 1.3 suites stay in the list but are unusable with max = TLS 1.2.
  int tls12 = 0;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    if (std::string_view(SSL_CIPHER_get_version(c)) != "TLSv1.3") {
      ++tls12;
      EXPECT_STREQ(SSL_CIPHER_get_name(c), "ECDHE-ECDSA-CHACHA20-POLY1305");
    }
  }
  EXPECT_EQ(tls12, 1);
}

TEST(ClientContext, TheCurrentGenerationOffersTls13AlpnAndX25519First) {
  auto ctx = make_client_context(ClientProtocols::current_and_v1);
  ASSERT_TRUE(ctx.has_value());
  SSL_CTX* native = ctx->native_handle();
  EXPECT_EQ(client_protocols(native), ClientProtocols::current_and_v1);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_3_VERSION);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(native);
  std::vector<std::string> names;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    names.emplace_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"TLS_CHACHA20_POLY1305_SHA256",
                                             "ECDHE-ECDSA-CHACHA20-POLY1305"}));
  auto v1 = make_client_context();
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(client_protocols(v1->native_handle()), ClientProtocols::v1_only);
}

// The ALPN a server context selects for a client offering `offer` (wire form), or "".
std::string selected_alpn(std::vector<std::uint8_t> offer) {
  test::Loopback net;
  test::ServerIdentity id = test::make_identity(CertificateAlgorithm::ed25519);
  auto client_ctx = make_client_context(ClientProtocols::current_and_v1);
  if (!id.context || !client_ctx) return "?";
  TlsStream client(net.io, *client_ctx);
  EXPECT_EQ(SSL_set_alpn_protos(client.native_handle(), offer.data(),
                                static_cast<unsigned>(offer.size())),
            0);
  EXPECT_TRUE(expect_server(client.native_handle(), "127.0.0.1", id.key_hash).has_value());
  std::optional<TlsStream> server;
  std::string chosen = "?";
  auto server_side = [&]() -> net::awaitable<bool> {
    auto [ec, socket] = co_await net.acceptor.async_accept(test::kUseTuple);
    if (ec) co_return false;
    server.emplace(std::move(socket), *id.context);
    std::tie(ec) = co_await server->async_handshake(ssl::stream_base::server, test::kUseTuple);
    co_return !ec;
  };
  auto client_side = [&]() -> net::awaitable<bool> {
    auto [ec] = co_await client.next_layer().async_connect(net.acceptor.local_endpoint(),
                                                           test::kUseTuple);
    if (!ec) {
      std::tie(ec) = co_await client.async_handshake(ssl::stream_base::client, test::kUseTuple);
    }
    if (ec) co_return false;
    const unsigned char* data = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(client.native_handle(), &data, &len);
    chosen.assign(reinterpret_cast<const char*>(data), len);
    EXPECT_EQ(negotiated_current(client.native_handle()), chosen == "smp/1");
    co_return true;
  };
  test::run_both(net.io, server_side(), client_side());
  return chosen;
}

TEST(ServerContext, SelectsSmp1WhenOfferedAndNothingOtherwise) {
  EXPECT_EQ(selected_alpn({5, 's', 'm', 'p', '/', '1'}), "smp/1");
  EXPECT_EQ(selected_alpn({2, 'h', '2', 5, 's', 'm', 'p', '/', '1'}), "smp/1");
  EXPECT_EQ(selected_alpn({2, 'h', '2'}), "");
  EXPECT_EQ(selected_alpn({5, 's', 'm', 'p', '/', '2'}), "");
}

TEST(ServerContext, AcceptsTls13WithoutTickets) {
  test::ServerIdentity id = test::make_identity(CertificateAlgorithm::ed25519);
  ASSERT_TRUE(id.context.has_value());
  SSL_CTX* native = id.context->native_handle();
  EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_3_VERSION);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_num_tickets(native), 0u);
}

TEST(TlsUnique, IsUnavailableBeforeHandshake) {
  auto ctx = make_client_context();
  ASSERT_TRUE(ctx.has_value());
  SSL* ssl = SSL_new(ctx->native_handle());
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(tls_unique(ssl, TlsRole::client).error(), errc::tls_failure);
  EXPECT_EQ(tls_unique(ssl, TlsRole::server).error(), errc::tls_failure);
  EXPECT_TRUE(expect_server(ssl, "127.0.0.1", Bytes(32, 1)).has_value());
  EXPECT_TRUE(expect_server(ssl, "127.0.0.1", Bytes(32, 2)).has_value());  // replaces
  EXPECT_EQ(expect_server(ssl, "", Bytes(32, 1)).error(), errc::bad_address);
  SSL_free(ssl);
}

}  // namespace
}  // namespace smp::transport
