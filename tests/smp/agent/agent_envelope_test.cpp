#include "smp/agent/agent_envelope.h"

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

error_code err(errc e) { return make_error_code(e); }

crypto::PublicKey fresh(KeyAlgorithm alg) { return crypto::generate_key_pair(alg).public_key; }

ConnectionRequest request(ConnectionMode mode) {
  protocol::SmpQueueUri queue{protocol::SmpServer{"smp.example.com", "", Bytes(32, 1)},
                              Bytes(24, 2), protocol::kShortQueueUriVersions,
                              fresh(KeyAlgorithm::x25519)};
  std::optional<E2ERatchetParamsUri> e2e;
  if (mode == ConnectionMode::invitation) {
    e2e = E2ERatchetParamsUri{enc::VersionRange::single(1), fresh(KeyAlgorithm::x448),
                       fresh(KeyAlgorithm::x448)};
  }
  return ConnectionRequest{mode, ConnReqScheme::simplex_chat(), kAgentVersions, {queue}, e2e};
}

E2ERatchetParams e2e_params() {
  return {1, fresh(KeyAlgorithm::x448), fresh(KeyAlgorithm::x448)};
}

TEST(AgentEnvelope, EveryKindRoundTrips) {
  std::vector<AgentEnvelope> envelopes = {
      AgentConfirmation{kAgentVersion, e2e_params(), to_bytes("ratchet ciphertext")},
      AgentConfirmation{kAgentVersion, std::nullopt, {}},
      AgentMsgEnvelope{kAgentVersion, to_bytes("ratchet ciphertext")},
      AgentMsgEnvelope{2, {}},
      AgentInvitation{kAgentVersion, request(ConnectionMode::invitation), to_bytes("profile")},
      AgentInvitation{kAgentVersion, request(ConnectionMode::invitation), {}},
  };
  for (const auto& envelope : envelopes) {
    auto bytes = encode_agent_envelope(envelope);
    ASSERT_TRUE(bytes);
    auto back = decode_agent_envelope(bytes.value());
    ASSERT_TRUE(back) << to_hex(bytes.value());
    EXPECT_EQ(back.value(), envelope);
    EXPECT_EQ(agent_version(back.value()), agent_version(envelope));
  }
}

TEST(AgentEnvelope, ConfirmationLayoutIsVersionTagMaybeParamsTail) {
  auto params = e2e_params();
  auto bytes = encode_agent_envelope(AgentConfirmation{1, params, to_bytes("ct")}).value();
  // u16 ‖ 'C' ‖ '1' ‖ u16 ‖ short(68-byte SPKI) ×2 ‖ tail
  ASSERT_EQ(bytes.size(), 2u + 1 + 1 + 2 + 69 + 69 + 2);
  EXPECT_EQ(bytes[2], 'C');
  EXPECT_EQ(bytes[3], '1');
  EXPECT_EQ(to_string(ByteView(bytes).last(2)), "ct");
}

TEST(AgentEnvelope, RejectsMalformedInput) {
  EXPECT_EQ(decode_agent_envelope({}).error(), err(errc::truncated));
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01", 2))).error(),
            err(errc::truncated));
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01X", 3))).error(),
            err(errc::bad_tag));
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01"
                                                            "C2",
                                                            4)))
                .error(),
            err(errc::bad_tag));
  // Ratchet parameters cut short.
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01"
                                                            "C1\x00\x01\x44",
                                                            7)))
                .error(),
            err(errc::truncated));
  // Large length beyond the end.
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01I\x01\x00https", 10))).error(),
            err(errc::truncated));
  // A URI that does not parse.
  EXPECT_EQ(decode_agent_envelope(as_bytes(std::string_view("\x00\x01I\x00\x05https", 10))).error(),
            err(errc::bad_uri));
}

TEST(AgentEnvelope, RatchetParamsMustBeX448) {
  enc::Writer w;
  w.u16(1).ch('C').ch('1').u16(1);
  crypto::write_public_key(w, fresh(KeyAlgorithm::x25519));
  crypto::write_public_key(w, fresh(KeyAlgorithm::x25519));
  EXPECT_EQ(decode_agent_envelope(w.bytes()).error(), err(errc::wrong_algorithm));

  E2ERatchetParams bad{1, fresh(KeyAlgorithm::x448), fresh(KeyAlgorithm::x25519)};
  EXPECT_EQ(encode_agent_envelope(AgentConfirmation{1, bad, {}}).error(),
            err(errc::wrong_algorithm));
}

TEST(AgentEnvelope, InvitationMustCarryAnInvitationRequest) {
  AgentInvitation contact{kAgentVersion, request(ConnectionMode::contact), {}};
  EXPECT_EQ(encode_agent_envelope(contact).error(), err(errc::bad_uri));

  std::string uri = str_encode(request(ConnectionMode::contact)).value();
  enc::Writer w;
  w.u16(1).ch('I').large(as_bytes(uri)).raw("info");
  EXPECT_EQ(decode_agent_envelope(w.bytes()).error(), err(errc::bad_uri));
}

TEST(AgentEnvelope, InvitationConnInfoIsLimitedNotTruncated) {
  AgentInvitation inv{kAgentVersion, request(ConnectionMode::invitation), Bytes(kMaxConnInfoSize)};
  EXPECT_TRUE(encode_agent_envelope(inv));
  inv.conn_info.push_back(0);
  EXPECT_EQ(encode_agent_envelope(inv).error(), err(errc::crypto_large_msg));
}

}  // namespace
}  // namespace smp::agent
