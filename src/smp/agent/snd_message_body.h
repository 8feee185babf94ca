// The AgentMsgEnvelope a pending message is sent as. A message queued with body keys is
// stored as its AgentMessage plus the ratchet's keys for it (ratchet.h rc_prepare), not as
// 16 KB of ciphertext; its envelope is encrypted here when it is sent, the same bytes on every
// attempt, so the peer recognises a copy. Pure functions; thread-safe.
#pragma once

#include "smp/agent/agent_store_types.h"
#include "smp/agent/ratchet_state.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::agent {

// The content create_snd_message stores for plaintext (an encoded AgentMessage) encrypted
// with rc to padded_len: the plaintext, its hash, the next ratchet state and the body keys.
// The errors of rc_prepare.
Result<SndMsgContent> prepare_snd_content(const Ratchet& rc, std::size_t padded_len,
                                          ByteView plaintext);

// The envelope to send: m.body itself when it has no body keys, else the AgentMsgEnvelope of
// m.body encrypted with them. errc::bad_tag / bad_syntax / bad_key_size... for stored keys that
// do not decode, crypto_large_msg when the body does not fit them.
Result<Bytes> snd_message_envelope(const SndMessage& m);

}  // namespace smp::agent
