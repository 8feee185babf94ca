// What a proxy makes of its destination's side of the exchange, as pure functions (so that
// a hostile destination's bytes can be fuzzed without a connection):
//   - PKEY's content from the handshake with the destination (Server.hs processProxiedCmd,
//     proxyResp at simplexmq 6.5.5): the session id, the common version range capped to
//     8..17 (proxiedSMPRelayVRange, so the client's version cannot be fingerprinted), and the
//     destination's CertChainPubKey as it sent it;
//   - the answer to RFWD (Client.hs forwardSMPTransmission): RRES efr opened with the session
//     secret and the reversed RFWD nonce, FwdResponse parsed, its encrypted response kept
//     for PRES.
// Thread-safe; results own their bytes.
#pragma once

#include "smp/common/bytes.h"
#include "smp/crypto/cbox.h"
#include "smp/encoding/version.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/versions.h"
#include "smp/server/proxy_error.h"
#include "smp/transport/block_transport.h"

namespace smp::server {

// What PKEY tells the client.
struct RelayKey {
  Bytes session_id;
  enc::VersionRange versions = protocol::kProxiedVersions;
  Bytes cert_chain_pub_key;
};

// PROXY BROKER TRANSPORT VERSION when the destination cannot serve proxied clients (SMP v1,
// no version of 8..17 in common, or an agreed version below 8); TRANSPORT NO_AUTH when it
// gave no verified session key.
ProxyAnswer<RelayKey> relay_key_of(const transport::SessionParams& params, ByteView session_id);

// One answer of the destination to the RFWD sent with `rfwd_nonce`: the client's encrypted
// response, or the error for the client — CRYPTO when RRES does not open, PROXY BROKER
// RESPONSE for a malformed FwdResponse or transmission, PROXY PROTOCOL e for ERR e, PROXY
// BROKER UNEXPECTED for any other message. `version` is the connection's (for error texts).
ProxyAnswer<Bytes> open_forward_answer(const protocol::ReceivedBrokerMessage& answer,
                                       const crypto::CbKey& session_key,
                                       const crypto::CbNonce& rfwd_nonce,
                                       protocol::SmpVersion version);

}  // namespace smp::server
