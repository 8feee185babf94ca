// Connection request URIs (spec §7.4): what INV hands out and JOIN takes.
//   https://<host[:port]>/<mode>[/]#/?v=<agent versions>&smp=<queue URIs>[&e2e=<ratchet params>]
//   simplex:/<mode>[/]#/?…            mode = invitation | contact
// The query is percent-encoded; smp is a comma list of short-form queue URIs; e2e (only in
// invitations) is itself "v=<range>&x3dh=<X448 key>,<X448 key>" written without escaping.
// Emitted in the order v, smp, e2e. Plain value types, pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/encoding/version.h"
#include "smp/protocol/queue_uri.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

enum class ConnectionMode { invitation, contact };

// "https://" host[:port], or "simplex:" when app_server is empty.
struct ConnReqScheme {
  std::optional<protocol::SrvLoc> app_server;
  // https://simplex.chat, the scheme the reference agent always emits.
  static ConnReqScheme simplex_chat() { return {protocol::SrvLoc{"simplex.chat", ""}}; }
  static ConnReqScheme simplex() { return {}; }
  friend bool operator==(const ConnReqScheme&, const ConnReqScheme&) = default;
};

// The double-ratchet parameters offered in an invitation (spec §2.9.1), URI form: a version
// range and two X448 keys.
struct E2eParamsUri {
  enc::VersionRange versions;
  crypto::PublicKey key1;
  crypto::PublicKey key2;
  friend bool operator==(const E2eParamsUri&, const E2eParamsUri&) = default;
};

// Copyable value type. Valid when queues is non-empty and e2e is present exactly for
// invitations.
struct ConnectionRequest {
  ConnectionMode mode;
  ConnReqScheme scheme;
  enc::VersionRange agent_versions;
  std::vector<protocol::SmpQueueUri> queues;
  std::optional<E2eParamsUri> e2e;
  friend bool operator==(const ConnectionRequest&, const ConnectionRequest&) = default;
};

std::string str_encode(const ConnReqScheme& scheme);

// "v=<range>&x3dh=<k1>,<k2>" (no escaping).
std::string str_encode(const E2eParamsUri& params);
// The text up to ' ' or '\n' must be the whole input; both keys X448; errc::bad_uri otherwise.
Result<E2eParamsUri> decode_e2e_params_uri(std::string_view text);

// errc::bad_uri when the request is not valid (see ConnectionRequest).
Result<std::string> str_encode(const ConnectionRequest& request);

// Parses a request from the front of `in` (it ends at ' ', '\n' or the end of input) and
// advances `in` past it; errc::bad_uri and `in` unchanged on failure. Unknown query
// parameters are ignored, and so is an e2e parameter in a contact request.
Result<ConnectionRequest> parse_connection_request(std::string_view& in);
// The whole text must be one request.
Result<ConnectionRequest> decode_connection_request(std::string_view text);

}  // namespace smp::agent
