#include "smp/agent/snd_message_body.h"

#include "smp/agent/agent_envelope.h"
#include "smp/agent/ratchet.h"
#include "smp/agent/ratchet_codec.h"
#include "smp/common/try.h"
#include "smp/crypto/hash.h"

namespace smp::agent {

Result<SndMsgContent> prepare_snd_content(const Ratchet& rc, std::size_t padded_len,
                                          ByteView plaintext) {
  SMP_TRY(PreparedEncrypt p, rc_prepare(rc, padded_len, plaintext.size()));
  SMP_TRY(SecretBytes keys, encode_body_keys(p.keys));
  const crypto::Sha256Digest hash = crypto::sha256(plaintext);
  return SndMsgContent{Bytes(plaintext.begin(), plaintext.end()), Bytes(hash.begin(), hash.end()),
                       std::move(p.state), std::move(keys)};
}

Result<Bytes> snd_message_envelope(const SndMessage& m) {
  if (m.body_keys.empty()) return m.body;
  SMP_TRY(RatchetBodyKeys keys, decode_body_keys(m.body_keys.view()));
  SMP_TRY(Bytes sealed, rc_seal(keys, m.body));
  return encode_agent_envelope(AgentMsgEnvelope{kAgentVersion, std::move(sealed)});
}

}  // namespace smp::agent
