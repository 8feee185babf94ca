// Errors as values for the whole library.
//
// Parsers, crypto, protocol and store functions return Result<T> (boost::system::result)
// carrying an smp::errc on failure; no exception crosses those APIs. errc values are grouped
// by layer; errc_condition folds them into "the peer sent garbage" vs "our side failed", so
// callers can decide between answering with an error and closing. Immutable; thread-safe.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string_view>
#include <system_error>

namespace smp {

enum class errc {
  ok = 0,

  // Encoding: binary and string decoders (spec §1).
  truncated = 1,          // input ended before the value did
  trailing_bytes,         // a whole-value parse left bytes unread
  bad_tag,                // unknown tag / unexpected character
  value_too_large,        // encoder: short string or list count over 255, Large over 65535
  bad_base64,             // invalid base64 / base64url text
  bad_version_range,      // min > max or malformed range
  bad_syntax,             // generic malformed text field
  bad_address,            // malformed smp:// server address
  bad_uri,                // malformed queue URI / connection request
  bad_der,                // malformed DER or more than one key
  wrong_algorithm,        // key of an unexpected algorithm
  bad_signature_size,     // signature length not 0/64/114
  bad_key_size,           // raw key of the wrong length

  // Crypto (spec §2); names follow the reference's CryptoError constructors.
  crypto_large_msg = 100,  // CryptoLargeMsgError: message does not fit the padded length
  cb_decrypt,              // CBDecryptError
  aes_decrypt,             // AESDecryptError
  crypto_header,           // CryptoHeaderError
  ratchet_header,          // CERatchetHeader
  ratchet_duplicate,       // CERatchetDuplicateMessage
  ratchet_too_many_skipped,// CERatchetTooManySkipped
  ratchet_state,           // CERatchetState
  crypto_failure,          // OpenSSL / libsodium reported an internal failure

  // SMP protocol error types sent in ERR (spec §4.4).
  smp_block = 200,
  smp_session,
  smp_cmd_unknown,
  smp_cmd_syntax,
  smp_cmd_no_auth,
  smp_cmd_has_auth,
  smp_cmd_no_queue,
  smp_auth,
  smp_quota,
  smp_no_msg,
  smp_large_msg,
  smp_internal,
  // Current generation only (SMP 6..18).
  smp_cmd_prohibited,  // CMD PROHIBITED
  smp_proxy,           // PROXY <ProxyError>
  smp_blocked,         // BLOCKED <BlockingInfo>
  smp_service,         // SERVICE
  smp_crypto,          // CRYPTO
  smp_store,           // STORE <text>
  smp_expired,         // EXPIRED

  // Transport (spec §3).
  transport_large_msg = 300,  // TELargeMsg: block content over 16382 bytes / bad padding
  transport_bad_block,        // TEBadBlock: block of the wrong size
  handshake_parse,            // TEHandshake PARSE
  handshake_version,          // TEHandshake VERSION
  handshake_identity,         // TEHandshake IDENTITY
  bad_session,                // TEBadSession
  tls_failure,                // TLS handshake or certificate validation failed
  connection_closed,          // peer closed the connection
  timeout,                    // an operation's deadline passed
  network,                    // connect/read/write failure
  handshake_bad_auth,         // TEHandshake BAD_AUTH: the server's signed key or chain failed
  handshake_bad_service,      // TEHandshake BAD_SERVICE: a service certificate was refused
  transport_no_auth,          // TENoServerAuth: the server gave no key for an X25519 command

  // Client (spec §4.8).
  unexpected_response = 400,  // SMPUnexpectedResponse
  response_parse,             // SMPResponseError
  unsupported,                // the agreed SMP version has no such command or field (not sent)

  // Files, configuration and stores.
  io_error = 500,
  config_invalid,
  store_corrupt,
  not_found,
  already_exists,
  wrong_state,    // the record exists but its state forbids the operation (e.g. connection type)
  store_too_new,  // the store was written by a newer version (unknown migrations)
  service_role_mismatch,  // a known service certificate presented for another role (SERVICE)
};

enum class errc_condition {
  peer_input = 1,   // the other side sent something malformed or not allowed
  local_failure,    // our I/O, crypto backend or configuration failed
  protocol_error,   // a well-formed request the protocol refuses (ERR to the peer)
};

const boost::system::error_category& smp_category() noexcept;
const boost::system::error_category& smp_condition_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), smp_category()};
}
inline boost::system::error_condition make_error_condition(errc_condition c) noexcept {
  return {static_cast<int>(c), smp_condition_category()};
}

// Short stable name of an error value ("truncated", "CMD SYNTAX", ...).
std::string_view errc_name(errc e) noexcept;

template <class T>
using Result = boost::system::result<T>;

using boost::system::error_code;

}  // namespace smp

namespace boost::system {
template <>
struct is_error_code_enum<smp::errc> : std::true_type {};
template <>
struct is_error_condition_enum<smp::errc_condition> : std::true_type {};
}  // namespace boost::system
