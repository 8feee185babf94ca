#include "smp/transport/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <exception>
#include <optional>

#include "smp/common/try.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/tls_secrets.h"
#include "smp/transport/x509.h"

namespace smp::transport {

namespace {

constexpr const char* kCipherList = "ECDHE-ECDSA-CHACHA20-POLY1305";      // TLS 1.2
constexpr const char* kCipherSuites = "TLS_CHACHA20_POLY1305_SHA256";      // TLS 1.3
constexpr const char* kSignatureAlgorithms = "ed448:ed25519";
// The v1 client offers the reference's order, X448 first. The server picks by its own order
// (SSL_OP_CIPHER_SERVER_PREFERENCE also orders the groups in TLS 1.2): X25519 costs about a
// quarter of X448, and both are among the reference's groups (docs/server-behaviour.md).
// In TLS 1.3 the client sends one key share, for its first group, and OpenSSL 3.0 servers
// take it when they support it: the current-generation client lists X25519 first.
constexpr const char* kClientGroups = "X448:X25519";
constexpr const char* kCurrentClientGroups = "X25519:X448";
constexpr const char* kServerGroups = "X25519:X448";
// ALPN wire form: each protocol name with a one-byte length.
constexpr unsigned char kAlpnList[] = {5, 's', 'm', 'p', '/', '1'};
static_assert(sizeof kAlpnList == protocol::kAlpnCurrent.size() + 1);
constexpr std::size_t kMaxCurrentChain = 4;

// What a client connection expects of its server; owned by the SSL object's ex_data.
struct ServerExpectation {
  std::string host;
  Bytes key_hash;
};

void free_expectation(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<ServerExpectation*>(ptr);
}

int expectation_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_expectation);
  return index;
}

// x509-validation matches the host against DNS SANs, or the CN when there are none, and
// never against IP SANs; OpenSSL matches IP literals only against IP SANs. Accept either,
// so both our certificates (with SANs) and the reference's (CN only) validate.
bool name_matches(X509* leaf, std::string_view host) {
  std::string h(host);
  if (is_ip_literal(host) && X509_check_ip_asc(leaf, h.c_str(), 0) == 1) return true;
  return X509_check_host(leaf, h.data(), h.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                         nullptr) == 1;
}

error_code chain_failure(const char* why) {
  spdlog::debug("tls: server certificate chain rejected: {}", why);
  ERR_clear_error();
  return make_error_code(errc::tls_failure);
}

// SSL_CTX_set_cert_verify_callback: replaces OpenSSL's own chain verification.
int verify_peer_chain(X509_STORE_CTX* store_ctx, void*) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* expected =
      ssl ? static_cast<ServerExpectation*>(SSL_get_ex_data(ssl, expectation_index())) : nullptr;
  STACK_OF(X509)* peer = X509_STORE_CTX_get0_untrusted(store_ctx);
  if (expected == nullptr || peer == nullptr) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  // One more slot than any rule allows, so that a longer chain is seen as too long.
  std::array<X509*, kMaxCurrentChain + 1> chain{};
  int n = sk_X509_num(peer);
  std::size_t count = n < 0 ? 0 : static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < count && i < chain.size(); ++i) {
    chain[i] = sk_X509_value(peer, static_cast<int>(i));
  }
  std::span<X509* const> view(chain.data(), std::min(count, chain.size()));
  // ALPN is agreed before the certificate arrives (ServerHello in TLS 1.2,
  // EncryptedExtensions in TLS 1.3), so the generation's rules apply here.
  auto valid = negotiated_current(ssl)
                   ? validate_current_server_chain(view, expected->key_hash)
                   : validate_server_chain(view, expected->host, expected->key_hash);
  if (!valid) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

// The server selects "smp/1" when the client offers it, and nothing otherwise (the
// connection then goes on without ALPN: SMP v1).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  const auto wanted = as_bytes(protocol::kAlpnCurrent);
  unsigned int at = 0;
  while (at < in_len) {
    unsigned int len = in[at];
    if (len == 0 || len > in_len - at - 1) break;  // malformed: OpenSSL checks it before us
    if (std::ranges::equal(ByteView(in + at + 1, len), wanted)) {
      *out = in + at + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    at += len + 1;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// Options and algorithm lists both roles share; `groups` in order of preference, TLS 1.2 up
// to `max_version`.
Result<void> apply_common_parameters(SSL_CTX* ctx, const char* groups, int max_version) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max_version) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kCipherList) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kCipherSuites) != 1 ||
      SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1 ||
      SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  return {};
}

// Builds a trust store of `anchor` alone and verifies `leaf` through `intermediates`.
Result<void> verify_path(X509* leaf, std::span<X509* const> intermediates, X509* anchor) {
  // Trust exactly the pinned CA; it need not be self-signed (PARTIAL_CHAIN), as in
  // x509-validation, where finding the leaf's issuer in the store ends the chain.
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  bool ready =
      store && ctx && untrusted != nullptr && X509_STORE_add_cert(store.get(), anchor) == 1;
  for (X509* cert : intermediates) ready = ready && sk_X509_push(untrusted, cert) > 0;
  ready = ready && X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted) == 1;
  if (!ready) {
    sk_X509_free(untrusted);
    return openssl_error(errc::tls_failure);
  }
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  const bool verified = X509_verify_cert(ctx.get()) == 1;
  if (!verified) {
    spdlog::debug("tls: chain verification: {}",
                  X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  ctx.reset();
  sk_X509_free(untrusted);  // the certificates belong to the caller
  if (!verified) return chain_failure("X.509 verification failed");
  return {};
}

bool is_ca(X509* cert) { return (X509_get_extension_flags(cert) & EXFLAG_CA) != 0; }

// SHA-256 of the certificate's DER against the pinned key hash, in constant time.
bool matches_key_hash(X509* cert, ByteView key_hash) {
  auto der = certificate_der(cert);
  return der && constant_time_equal(key_hash_of_certificate_der(*der), key_hash);
}

std::optional<ssl::context> new_context(ssl::context::method method) {
  try {
    return ssl::context(method);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

ServerCredentials server_credentials(const CertificateSet& set) {
  return {set.server_cert_pem + set.ca_cert_pem, set.server_key_pem.clone()};
}

Result<ServerCredentials> load_server_credentials(const std::filesystem::path& ca_cert,
                                                  const std::filesystem::path& server_cert,
                                                  const std::filesystem::path& server_key) {
  SMP_TRY(std::string ca, read_certificate_file(ca_cert));
  SMP_TRY(std::string server, read_certificate_file(server_cert));
  SMP_TRY(SecretBytes key, read_private_key_file(server_key));
  if (!server.empty() && server.back() != '\n') server.push_back('\n');
  return ServerCredentials{server + ca, std::move(key)};
}

Result<ssl::context> make_server_context(const ServerCredentials& credentials) {
  SMP_TRY(std::vector<X509Ptr> chain, parse_certificates_pem(credentials.certificate_chain_pem));
  SMP_TRY(EvpPkeyPtr key, parse_private_key_pem(credentials.private_key_pem.view()));
  if (chain.size() != 2) return make_error_code(errc::config_invalid);
  auto ctx = new_context(ssl::context::tls_server);
  if (!ctx) return openssl_error(errc::crypto_failure);
  SSL_CTX* native = ctx->native_handle();
  SMP_TRY_VOID(apply_common_parameters(native, kServerGroups, TLS1_3_VERSION));
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No tickets in TLS 1.3 either: nothing is sent after the handshake, so the own record
  // layer starts at sequence 0, and no session is resumed.
  if (SSL_CTX_set_num_tickets(native, 0) != 1) return openssl_error(errc::crypto_failure);
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  capture_traffic_secrets(native);
  // An explicit chain: the server sends exactly [server certificate, CA certificate].
  if (SSL_CTX_use_certificate(native, chain[0].get()) != 1 ||
      SSL_CTX_add1_chain_cert(native, chain[1].get()) != 1) {
    return openssl_error(errc::config_invalid);
  }
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    return openssl_error(errc::config_invalid);
  }
  return std::move(*ctx);
}

Result<ssl::context> make_client_context(ClientProtocols protocols) {
  auto ctx = new_context(ssl::context::tls_client);
  if (!ctx) return openssl_error(errc::crypto_failure);
  SSL_CTX* native = ctx->native_handle();
  if (protocols == ClientProtocols::current_and_v1) {
    SMP_TRY_VOID(apply_common_parameters(native, kCurrentClientGroups, TLS1_3_VERSION));
    // SSL_CTX_set_alpn_protos returns 0 on success.
    if (SSL_CTX_set_alpn_protos(native, kAlpnList, sizeof kAlpnList) != 0) {
      return openssl_error(errc::crypto_failure);
    }
  } else {
    SMP_TRY_VOID(apply_common_parameters(native, kClientGroups, TLS1_2_VERSION));
  }
  // The reference server does not implement RFC 5746 secure renegotiation (spec §3.1).
  SSL_CTX_set_options(native, SSL_OP_LEGACY_SERVER_CONNECT);
  // VERIFY_PEER makes a failed verification abort the handshake; the callback replaces
  // OpenSSL's trust-store verification with the pinned-CA rules.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(native, verify_peer_chain, nullptr);
  return std::move(*ctx);
}

ClientProtocols client_protocols(const SSL_CTX* ctx) {
  // Only the current generation's context allows TLS 1.3.
  return SSL_CTX_get_max_proto_version(const_cast<SSL_CTX*>(ctx)) == TLS1_3_VERSION
             ? ClientProtocols::current_and_v1
             : ClientProtocols::v1_only;
}

Result<void> expect_server(SSL* ssl, std::string_view host, ByteView key_hash) {
  std::string h(host);
  if (h.empty() || h.size() > 255) return make_error_code(errc::bad_address);
  // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
  if (client_protocols(SSL_get_SSL_CTX(ssl)) == ClientProtocols::v1_only &&
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, h.data()) != 1) {
    return openssl_error(errc::bad_address);
  }
  int index = expectation_index();
  delete static_cast<ServerExpectation*>(SSL_get_ex_data(ssl, index));
  auto* expected = new ServerExpectation{std::move(h), to_bytes(key_hash)};
  if (SSL_set_ex_data(ssl, index, expected) != 1) {
    delete expected;
    SSL_set_ex_data(ssl, index, nullptr);
    return openssl_error(errc::crypto_failure);
  }
  return {};
}

Result<void> validate_server_chain(std::span<X509* const> chain, std::string_view host,
                                   ByteView key_hash) {
  if (chain.size() != 2 || chain[0] == nullptr || chain[1] == nullptr) {
    return chain_failure("not two certificates");
  }
  X509* leaf = chain[0];
  X509* ca = chain[1];
  if (!matches_key_hash(ca, key_hash)) return chain_failure("unknown CA (key hash)");
  if (X509_get_version(leaf) != X509_VERSION_3) return chain_failure("leaf is not X.509 v3");
  if (!is_ca(ca)) return chain_failure("CA is not CA:true");
  SMP_TRY_VOID(verify_path(leaf, {}, ca));
  if (!name_matches(leaf, host)) return chain_failure("host name does not match");
  return {};
}

Result<void> validate_current_server_chain(std::span<X509* const> chain, ByteView key_hash) {
  if (chain.size() < 2) return chain_failure("fewer than two certificates");
  if (chain.size() > kMaxCurrentChain) return chain_failure("more than four certificates");
  for (X509* cert : chain) {
    if (cert == nullptr) return chain_failure("missing certificate");
  }
  // [leaf, idCert], [leaf, idCert, CA] or [leaf, idCert, network, CA]: the idCert is the
  // identity in the server address, the last one the trust anchor.
  X509* leaf = chain[0];
  if (!matches_key_hash(chain[1], key_hash)) return chain_failure("unknown CA (key hash)");
  if (X509_get_version(leaf) != X509_VERSION_3) return chain_failure("leaf is not X.509 v3");
  for (X509* cert : chain.subspan(1)) {
    if (!is_ca(cert)) return chain_failure("an issuer is not CA:true");
  }
  return verify_path(leaf, chain.subspan(1, chain.size() - 2), chain.back());
}

Result<Bytes> tls_unique(const SSL* ssl, TlsRole role) {
  std::array<std::uint8_t, 64> buf{};
  std::size_t n = role == TlsRole::client ? SSL_get_finished(ssl, buf.data(), buf.size())
                                          : SSL_get_peer_finished(ssl, buf.data(), buf.size());
  const std::size_t expected = SSL_version(ssl) == TLS1_3_VERSION ? protocol::kTls13SessionIdSize
                                                                  : protocol::kTls12SessionIdSize;
  if (n != expected) return make_error_code(errc::tls_failure);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

bool negotiated_current(const SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &data, &len);
  return data != nullptr &&
         std::ranges::equal(ByteView(data, len), as_bytes(protocol::kAlpnCurrent));
}

Result<crypto::PublicKey> peer_certificate_key(const SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return make_error_code(errc::tls_failure);
  return certificate_public_key(cert);
}

}  // namespace smp::transport
