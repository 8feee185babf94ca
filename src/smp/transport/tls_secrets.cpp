#include "smp/transport/tls_secrets.h"

#include <array>
#include <cstring>
#include <string_view>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace smp::transport {

namespace {

constexpr std::string_view kClientLabel = "CLIENT_TRAFFIC_SECRET_0 ";
constexpr std::string_view kServerLabel = "SERVER_TRAFFIC_SECRET_0 ";
constexpr std::size_t kClientRandomHex = 64;

// What one connection's handshake has logged so far; owned by the SSL's ex_data.
struct Captured {
  TrafficSecrets secrets;
  bool client = false;
  bool server = false;
};

void free_captured(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Captured*>(ptr);  // SecretArray wipes itself
}

int captured_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_captured);
  return index;
}

// "LABEL <client random, 64 hex digits> <secret, 64 hex digits>" → the secret's bytes.
bool decode_secret(std::string_view rest, crypto::SecretArray<kTrafficSecretSize>& out) {
  if (rest.size() != kClientRandomHex + 1 + 2 * kTrafficSecretSize ||
      rest[kClientRandomHex] != ' ') {
    return false;
  }
  std::array<char, 2 * kTrafficSecretSize + 1> hex{};
  std::memcpy(hex.data(), rest.data() + kClientRandomHex + 1, 2 * kTrafficSecretSize);
  std::size_t n = 0;
  bool ok = OPENSSL_hexstr2buf_ex(out.data(), out.size(), &n, hex.data(), '\0') == 1 &&
            n == kTrafficSecretSize;
  OPENSSL_cleanse(hex.data(), hex.size());
  ERR_clear_error();
  return ok;
}

void keylog(const SSL* ssl, const char* line) {
  std::string_view text(line);
  const bool client = text.starts_with(kClientLabel);
  if (!client && !text.starts_with(kServerLabel)) return;  // handshake secrets, TLS 1.2, ...
  // OpenSSL passes a const SSL*; the ex_data slot is ours to fill.
  SSL* mutable_ssl = const_cast<SSL*>(ssl);
  auto* captured = static_cast<Captured*>(SSL_get_ex_data(ssl, captured_index()));
  if (captured == nullptr) {
    captured = new Captured;
    if (SSL_set_ex_data(mutable_ssl, captured_index(), captured) != 1) {
      delete captured;
      ERR_clear_error();
      return;
    }
  }
  std::string_view rest = text.substr(kClientLabel.size());
  if (client) {
    captured->client = decode_secret(rest, captured->secrets.client);
  } else {
    captured->server = decode_secret(rest, captured->secrets.server);
  }
}

}  // namespace

void capture_traffic_secrets(SSL_CTX* ctx) { SSL_CTX_set_keylog_callback(ctx, keylog); }

Result<TrafficSecrets> take_traffic_secrets(SSL* ssl) {
  const int index = captured_index();
  auto* captured = static_cast<Captured*>(SSL_get_ex_data(ssl, index));
  if (captured == nullptr) return make_error_code(errc::tls_failure);
  SSL_set_ex_data(ssl, index, nullptr);
  const bool complete = captured->client && captured->server;
  TrafficSecrets secrets = std::move(captured->secrets);
  delete captured;
  if (!complete) return make_error_code(errc::tls_failure);
  return secrets;
}

}  // namespace smp::transport
