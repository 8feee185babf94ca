// The sender's side of private message routing (SMP 8+; Client.hs connectSMPProxiedRelay and
// proxySMPCommand at simplexmq 6.5.5), as pure steps that SmpClient puts on the wire:
//
//   check_proxy_key     PKEY → ProxiedRelay: the destination's certificate chain matches the
//                       key hash of the address we asked for, its signed X25519 key verifies
//                       with the chain's leaf, and a version both we and the proxy allow.
//   seal_proxied_command  one command for the destination, in a batch of one at the relay's
//                       version, sealed with a fresh X25519 key against the destination's key
//                       (crypto_box, nonce = the PFWD corrId, padded to 16226 bytes): the
//                       proxy can neither read nor alter it.
//   open_proxied_answer PRES → the destination's answer, as SmpClient answers its own: a
//                       Reply, or the destination's ERR as its error code.
//
// A destination that the proxy could not reach never gets here: the proxy answers ERR PROXY
// itself. Value types and pure functions; thread-safe.
#pragma once

#include "smp/client/client_types.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"
#include "smp/protocol/error_type.h"
#include "smp/protocol/versions.h"

namespace smp::client {

// A proxy's session with one destination server, checked. Copyable; holds no secret.
struct ProxiedRelay {
  Bytes session_id;  // the proxy's session with the destination (PFWD's entity id)
  enc::VersionRange versions = protocol::kProxiedVersions;  // what PKEY offered
  protocol::SmpVersion version = protocol::kSendingProxyVersion;  // what our commands use
  crypto::PublicKey dh_key;  // X25519: the destination's key for this session
};

// errc::handshake_identity when the chain is malformed, its identity certificate does not
// hash to `destination_key_hash` or the signed key does not verify (the proxy did not reach
// the server we meant); errc::handshake_version when no version is common to PKEY's range
// and ours (6..18).
Result<ProxiedRelay> check_proxy_key(const reply::ProxyKey& pkey, ByteView destination_key_hash);

// One command sealed for the destination. Move-only: holds the secret that opens the answer.
struct ProxiedCommand {
  crypto::CbNonce nonce{};       // also the PFWD's corrId and the inner transmission's
  crypto::PublicKey public_key;  // X25519, goes in PFWD
  Bytes encrypted;               // PFWD's encrypted transmission
  crypto::CbKey shared_key;      // DH(destination key, our fresh key)
};

// `key` authorizes the inner transmission as SmpClient does its own (a signature, or with
// an X25519 key an authenticator against the destination's key); null sends it unsigned.
// errc::transport_large_msg when the command does not fit one proxied transmission.
Result<ProxiedCommand> seal_proxied_command(const ProxiedRelay& relay, const crypto::PrivateKey* key,
                                            ByteView entity_id, const protocol::Command& command);

// The destination's answer inside PRES: errc::cb_decrypt when it does not open,
// errc::response_parse when it is not one well-formed transmission, and otherwise as
// interpret_response (correlation.h) for `entity_id`. An ERR is also copied in full to
// *server_error when given.
Result<Reply> open_proxied_answer(const ProxiedRelay& relay, const ProxiedCommand& sealed,
                                  ByteView entity_id, ByteView encrypted_answer,
                                  protocol::SmpError* server_error = nullptr);

// "PROXY BROKER NETWORK", "AUTH": an ERR as the server sent it, for messages to people.
std::string describe_server_error(const protocol::SmpError& e);

}  // namespace smp::client
