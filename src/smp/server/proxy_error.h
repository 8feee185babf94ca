// What an SMP proxy answers when a request to a destination server fails: the reference's
// smpProxyError (Client.hs at simplexmq 6.5.5) applied to the client error its SMP client
// raises for each failure. Network failures travel as `PROXY BROKER NETWORK` without details
// (the reference's encoding), handshake failures as `PROXY BROKER TRANSPORT …`, a request
// with no answer in time as `PROXY BROKER TIMEOUT`, an ERR from the destination as
// `PROXY PROTOCOL <its error>`.
//
// ProxyAnswer<T>: a proxied request's value, or the ERR to answer the client with.
// Pure functions and value types; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "smp/common/error.h"
#include "smp/protocol/error_type.h"
#include "smp/server/server_stats.h"

namespace smp::server {

template <class T>
using ProxyAnswer = std::variant<T, protocol::SmpError>;

// PROXY BASIC_AUTH / PROXY NO_SESSION / PROXY BROKER HOST and the like: a proxy error of a
// kind without payload.
protocol::SmpError proxy_error(protocol::ProxyErrorInfo::Kind kind);
protocol::SmpError proxy_broker_error(protocol::BrokerErrorInfo::Kind kind, std::string text = {});
// PROXY BROKER TRANSPORT <kind> (handshake: TRANSPORT HANDSHAKE <handshake>).
protocol::SmpError proxy_transport_error(
    protocol::TransportErrorInfo::Kind kind,
    protocol::TransportErrorInfo::Handshake handshake = protocol::TransportErrorInfo::Handshake::parse);
// PROXY PROTOCOL <e>: the destination answered ERR e.
protocol::SmpError proxy_protocol_error(protocol::SmpError e);

// A failure to connect to the destination or to complete the handshake with it (the
// errors of transport::connect_tls): timeouts, socket and TLS failures (a key hash that does
// not match included) are NETWORK, as the reference's NETimeoutError / NEConnectError /
// NEUnknownCAError; handshake errors are TRANSPORT (VERSION, SESSION, HANDSHAKE PARSE,
// HANDSHAKE BAD_AUTH); anything else is INTERNAL (PCEIOError).
protocol::SmpError proxy_connect_error(const error_code& ec);
// A failure of a request on an established connection: errc::timeout is BROKER TIMEOUT
// (PCEResponseTimeout), a closed or broken connection BROKER NETWORK, a request over the
// block BROKER TRANSPORT LARGE_MSG; anything else INTERNAL.
protocol::SmpError proxy_request_error(const error_code& ec);

// How the statistics count a PRXY answered with `error` (null: PKEY): BROKER NETWORK,
// TIMEOUT and INTERNAL failed to connect (the reference's temporaryClientError); BROKER
// TRANSPORT VERSION or NO_AUTH is an incompatible destination (a destination whose handshake
// found no common version counts here too); anything else is other.
ProxyOutcome relay_outcome(const protocol::SmpError* error);
// The same for PFWD: a PRES or PROXY PROTOCOL (the destination's ERR passed back) is a
// success; NO_SESSION a connect error; BROKER TRANSPORT VERSION incompatible; else other.
ProxyOutcome forward_outcome(const protocol::SmpError* error);

}  // namespace smp::server
