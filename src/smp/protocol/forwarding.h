// The envelopes of private message routing (SMP v8+; Protocol.hs FwdTransmission /
// FwdResponse, Client.hs proxySMPCommand / forwardSMPTransmission, Server.hs
// processForwardedCommand; simplexmq 6.5.5):
//
//   client → proxy       PFWD v key et    et = cbEncrypt(DH(destination key, key), nonce = the
//                                          PFWD corrId, batch-of-one transmission, 16226)
//   proxy → destination  RFWD eft         eft = cbEncryptNoPad(proxy–destination session
//                                          secret, nonce = the RFWD corrId,
//                                          FwdTransmission(client corrId, v, key, et))
//   destination → proxy  RRES efr         efr = cbEncryptNoPad(session secret, reversed RFWD
//                                          nonce, FwdResponse(client corrId, er))
//   proxy → client       PRES er          er = cbEncrypt(DH(…), reversed PFWD nonce,
//                                          batch-of-one response, 16226)
//
// Codecs and the seal/open steps, as pure functions; views borrow from their input.
// Thread-safe.
#pragma once

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/versions.h"

namespace smp::protocol {

// FwdTransmission: short(corrId) ‖ u16 version ‖ short(X25519 key DER) ‖ Tail(encrypted).
struct FwdTransmission {
  ByteView corr_id;
  SmpVersion version = 0;
  crypto::PublicKey key;  // X25519: the client's per-command key
  ByteView encrypted;
};
// FwdResponse: short(corrId) ‖ Tail(encrypted).
struct FwdResponse {
  ByteView corr_id;
  ByteView encrypted;
};

Result<Bytes> encode_fwd_transmission(const FwdTransmission& t);
// errc::bad_syntax for anything but exactly one FwdTransmission (X25519 key only).
Result<FwdTransmission> parse_fwd_transmission(ByteView bytes);
Result<Bytes> encode_fwd_response(const FwdResponse& r);
Result<FwdResponse> parse_fwd_response(ByteView bytes);

// reverseNonce: the nonce of the answer to a message sealed with `nonce`.
crypto::CbNonce reverse_nonce(const crypto::CbNonce& nonce);

// cbEncryptNoPad / cbDecryptNoPad with a precomputed key (errc::cb_decrypt when opening fails).
Bytes seal_no_pad(const crypto::CbKey& key, const crypto::CbNonce& nonce, ByteView msg);
Result<Bytes> open_no_pad(const crypto::CbKey& key, const crypto::CbNonce& nonce, ByteView packet);

}  // namespace smp::protocol
