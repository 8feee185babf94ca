// Versions and sizes of the agent-to-agent message layers (spec §7.5), in one place as
// leveldb's log_format.h is for its log: what each layer pads to and the largest payload a
// sender may put in it. Immutable.
#pragma once

#include <cstddef>

#include "smp/encoding/version.h"
#include "smp/protocol/wire_format.h"

namespace smp::agent {

// Versions (smpAgentVersion, smpClientVersion): v1 speaks exactly 1-1 of each.
inline constexpr enc::Version kAgentVersion = 1;
inline constexpr enc::VersionRange kAgentVersions = enc::VersionRange::single(kAgentVersion);
inline constexpr enc::Version kSmpClientVersion = 1;  // PubHeader, SMPQueueInfo
inline constexpr enc::VersionRange kSmpClientVersions =
    enc::VersionRange::single(kSmpClientVersion);

// Plaintext lengths the double ratchet pads to (e2eEncConnInfoLength, e2eEncUserMsgLength).
inline constexpr std::size_t kConnInfoPaddedLength = 14848;
inline constexpr std::size_t kUserMsgPaddedLength = 15856;

// Per-queue crypto_box padded lengths of a ClientMessage: with a key in the PubHeader
// (confirmations, contact invitations) and without (every ratchet message): the reference's
// e2eEncConfirmationLength and e2eEncMessageLength.
inline constexpr std::size_t kConfirmationPaddedLength = protocol::kE2eEncConfirmationLength;
inline constexpr std::size_t kMessagePaddedLength = protocol::kE2eEncMessageLength;

inline constexpr std::size_t kPadLengthPrefix = 2;  // pad() writes a u16 length first
inline constexpr std::size_t kMsgHashSize = 32;     // SHA-256 of the previous AgentMessage

// AgentMessage around an A_MSG body: 'M' ‖ i64 sndMsgId ‖ short(32-byte hash) ‖ 'M'.
inline constexpr std::size_t kUserMsgOverhead = 1 + 8 + 1 + kMsgHashSize + 1;
// The largest A_MSG body and connection info a sender may send; larger ones are refused
// with errc::crypto_large_msg (the agent answers CMD LARGE), never truncated.
inline constexpr std::size_t kMaxUserMessageSize =
    kUserMsgPaddedLength - kPadLengthPrefix - kUserMsgOverhead;
inline constexpr std::size_t kMaxConnInfoSize = kConnInfoPaddedLength - kPadLengthPrefix - 1;

static_assert(kMaxUserMessageSize == 15811);
static_assert(kMaxConnInfoSize == 14845);

}  // namespace smp::agent
