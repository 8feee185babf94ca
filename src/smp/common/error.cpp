#include "smp/common/error.h"

#include <string>

namespace smp {

std::string_view errc_name(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::truncated: return "truncated input";
    case errc::trailing_bytes: return "trailing bytes";
    case errc::bad_tag: return "unknown tag";
    case errc::value_too_large: return "value too large to encode";
    case errc::bad_base64: return "invalid base64";
    case errc::bad_version_range: return "invalid version range";
    case errc::bad_syntax: return "syntax error";
    case errc::bad_address: return "invalid server address";
    case errc::bad_uri: return "invalid URI";
    case errc::bad_der: return "invalid DER";
    case errc::wrong_algorithm: return "unexpected key algorithm";
    case errc::bad_signature_size: return "invalid signature size";
    case errc::bad_key_size: return "invalid key size";
    case errc::crypto_large_msg: return "CryptoLargeMsgError";
    case errc::cb_decrypt: return "CBDecryptError";
    case errc::aes_decrypt: return "AESDecryptError";
    case errc::crypto_header: return "CryptoHeaderError";
    case errc::ratchet_header: return "CERatchetHeader";
    case errc::ratchet_duplicate: return "CERatchetDuplicateMessage";
    case errc::ratchet_too_many_skipped: return "CERatchetTooManySkipped";
    case errc::ratchet_state: return "CERatchetState";
    case errc::crypto_failure: return "crypto backend failure";
    case errc::smp_block: return "BLOCK";
    case errc::smp_session: return "SESSION";
    case errc::smp_cmd_unknown: return "CMD UNKNOWN";
    case errc::smp_cmd_syntax: return "CMD SYNTAX";
    case errc::smp_cmd_no_auth: return "CMD NO_AUTH";
    case errc::smp_cmd_has_auth: return "CMD HAS_AUTH";
    case errc::smp_cmd_no_queue: return "CMD NO_QUEUE";
    case errc::smp_auth: return "AUTH";
    case errc::smp_quota: return "QUOTA";
    case errc::smp_no_msg: return "NO_MSG";
    case errc::smp_large_msg: return "LARGE_MSG";
    case errc::smp_internal: return "INTERNAL";
    case errc::smp_cmd_prohibited: return "CMD PROHIBITED";
    case errc::smp_proxy: return "PROXY";
    case errc::smp_blocked: return "BLOCKED";
    case errc::smp_service: return "SERVICE";
    case errc::smp_crypto: return "CRYPTO";
    case errc::smp_store: return "STORE";
    case errc::smp_expired: return "EXPIRED";
    case errc::transport_large_msg: return "transport: block too large";
    case errc::transport_bad_block: return "transport: bad block";
    case errc::handshake_parse: return "handshake: PARSE";
    case errc::handshake_version: return "handshake: VERSION";
    case errc::handshake_identity: return "handshake: IDENTITY";
    case errc::bad_session: return "transport: bad session id";
    case errc::tls_failure: return "TLS failure";
    case errc::connection_closed: return "connection closed";
    case errc::timeout: return "timeout";
    case errc::network: return "network error";
    case errc::handshake_bad_auth: return "handshake: BAD_AUTH";
    case errc::handshake_bad_service: return "handshake: BAD_SERVICE";
    case errc::transport_no_auth: return "transport: NO_AUTH";
    case errc::unexpected_response: return "unexpected response";
    case errc::response_parse: return "unparsable response";
    case errc::unsupported: return "not supported by the agreed SMP version";
    case errc::io_error: return "I/O error";
    case errc::config_invalid: return "invalid configuration";
    case errc::store_corrupt: return "corrupt store";
    case errc::not_found: return "not found";
    case errc::already_exists: return "already exists";
    case errc::wrong_state: return "wrong state for the operation";
    case errc::store_too_new: return "store written by a newer version";
    case errc::service_role_mismatch: return "service certificate of another role";
  }
  return "unknown error";
}

namespace {

bool is_peer_input(int v) {
  return (v >= 1 && v < 100) || (v >= 101 && v < 108) || (v >= 300 && v < 306) ||
         v == static_cast<int>(errc::handshake_bad_auth) ||
         v == static_cast<int>(errc::handshake_bad_service) ||
         v == static_cast<int>(errc::transport_no_auth);
}

class SmpCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "smp"; }
  std::string message(int ev) const override { return std::string(errc_name(static_cast<errc>(ev))); }
  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    if (is_peer_input(ev)) return make_error_condition(errc_condition::peer_input);
    if (ev >= 200 && ev < 300) return make_error_condition(errc_condition::protocol_error);
    return make_error_condition(errc_condition::local_failure);
  }
};

class SmpConditionCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "smp-condition"; }
  std::string message(int ev) const override {
    switch (static_cast<errc_condition>(ev)) {
      case errc_condition::peer_input: return "malformed input from the peer";
      case errc_condition::local_failure: return "local failure";
      case errc_condition::protocol_error: return "protocol error";
    }
    return "unknown condition";
  }
};

}  // namespace

const boost::system::error_category& smp_category() noexcept {
  static const SmpCategory category;
  return category;
}

const boost::system::error_category& smp_condition_category() noexcept {
  static const SmpConditionCategory category;
  return category;
}

}  // namespace smp
