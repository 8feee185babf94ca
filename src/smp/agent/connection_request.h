// Connection request URIs (spec §7.4): what INV hands out and JOIN takes.
//   https://<host[:port]>/<mode>[/]#/?v=<agent versions>&smp=<queue URIs>[&e2e=<ratchet params>]
//   simplex:/<mode>[/]#/?…            mode = invitation | contact
// The query is percent-encoded; smp is a comma list of short-form queue URIs; e2e (only in
// invitations) is the URI form of the ratchet parameters (e2e_params.h).
// Emitted in the order v, smp, e2e. Plain value types, pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smp/agent/e2e_params.h"
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

// Copyable value type. Valid when queues is non-empty and e2e is present exactly for
// invitations.
struct ConnectionRequest {
  ConnectionMode mode;
  ConnReqScheme scheme;
  enc::VersionRange agent_versions;
  std::vector<protocol::SmpQueueUri> queues;
  std::optional<E2ERatchetParamsUri> e2e;
  friend bool operator==(const ConnectionRequest&, const ConnectionRequest&) = default;
};

std::string str_encode(const ConnReqScheme& scheme);

// errc::bad_uri when the request is not valid (see ConnectionRequest).
Result<std::string> str_encode(const ConnectionRequest& request);

// Parses a request from the front of `in` (it ends at ' ', '\n' or the end of input) and
// advances `in` past it; errc::bad_uri and `in` unchanged on failure. Unknown query
// parameters are ignored, and so is an e2e parameter in a contact request.
Result<ConnectionRequest> parse_connection_request(std::string_view& in);
// The whole text must be one request.
Result<ConnectionRequest> decode_connection_request(std::string_view text);

}  // namespace smp::agent
