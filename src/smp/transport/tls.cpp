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
#include "smp/transport/x509.h"

namespace smp::transport {

namespace {

constexpr const char* kCipherList = "ECDHE-ECDSA-CHACHA20-POLY1305";
constexpr const char* kSignatureAlgorithms = "ed448:ed25519";
// The client offers the reference's order, X448 first. The server picks by its own order
// (SSL_OP_CIPHER_SERVER_PREFERENCE also orders the groups in TLS 1.2): X25519 costs about a
// quarter of X448, and both are among the reference's groups (docs/server-behaviour.md).
constexpr const char* kClientGroups = "X448:X25519";
constexpr const char* kServerGroups = "X25519:X448";

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
  std::array<X509*, 3> chain{};
  int n = sk_X509_num(peer);
  std::size_t count = n < 0 ? 0 : static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < count && i < chain.size(); ++i) {
    chain[i] = sk_X509_value(peer, static_cast<int>(i));
  }
  std::span<X509* const> view(chain.data(), std::min(count, chain.size()));
  if (!validate_server_chain(view, expected->host, expected->key_hash)) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

// Options and algorithm lists both roles share; `groups` in order of preference.
Result<void> apply_common_parameters(SSL_CTX* ctx, const char* groups) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kCipherList) != 1 ||
      SSL_CTX_set1_sigalgs_list(ctx, kSignatureAlgorithms) != 1 ||
      SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  return {};
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
  SMP_TRY_VOID(apply_common_parameters(native, kServerGroups));
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
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

Result<ssl::context> make_client_context() {
  auto ctx = new_context(ssl::context::tls_client);
  if (!ctx) return openssl_error(errc::crypto_failure);
  SSL_CTX* native = ctx->native_handle();
  SMP_TRY_VOID(apply_common_parameters(native, kClientGroups));
  // The reference server does not implement RFC 5746 secure renegotiation (spec §3.1).
  SSL_CTX_set_options(native, SSL_OP_LEGACY_SERVER_CONNECT);
  // VERIFY_PEER makes a failed verification abort the handshake; the callback replaces
  // OpenSSL's trust-store verification with the pinned-CA rules.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(native, verify_peer_chain, nullptr);
  return std::move(*ctx);
}

Result<void> expect_server(SSL* ssl, std::string_view host, ByteView key_hash) {
  std::string h(host);
  // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
  if (h.empty() || h.size() > 255 ||
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
  SMP_TRY(Bytes ca_der, certificate_der(ca));
  auto ca_hash = key_hash_of_certificate_der(ca_der);
  if (!constant_time_equal(ca_hash, key_hash)) return chain_failure("unknown CA (key hash)");
  if (X509_get_version(leaf) != X509_VERSION_3) return chain_failure("leaf is not X.509 v3");
  if ((X509_get_extension_flags(ca) & EXFLAG_CA) == 0) return chain_failure("CA is not CA:true");

  // Trust exactly the pinned CA; it need not be self-signed (PARTIAL_CHAIN), as in
  // x509-validation, where finding the leaf's issuer in the store ends the chain.
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1) {
    return openssl_error(errc::tls_failure);
  }
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(ctx.get()) != 1) {
    spdlog::debug("tls: chain verification: {}",
                  X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
    return chain_failure("X.509 verification failed");
  }
  if (!name_matches(leaf, host)) return chain_failure("host name does not match");
  return {};
}

Result<Bytes> tls_unique(const SSL* ssl, TlsRole role) {
  std::array<std::uint8_t, 64> buf{};
  std::size_t n = role == TlsRole::client ? SSL_get_finished(ssl, buf.data(), buf.size())
                                          : SSL_get_peer_finished(ssl, buf.data(), buf.size());
  if (n != protocol::kSessionIdSize) return make_error_code(errc::tls_failure);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace smp::transport
