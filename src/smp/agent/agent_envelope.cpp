#include "smp/agent/agent_envelope.h"

#include "smp/common/overloaded.h"
#include "smp/encoding/containers.h"

namespace smp::agent {
namespace {

constexpr char kConfirmationTag = 'C';
constexpr char kMessageTag = 'M';
constexpr char kInvitationTag = 'I';

void write_invitation(enc::Writer& w, const AgentInvitation& inv) {
  if (inv.conn_request.mode != ConnectionMode::invitation) {
    w.fail(errc::bad_uri);
    return;
  }
  if (inv.conn_info.size() > kMaxConnInfoSize) {
    w.fail(errc::crypto_large_msg);
    return;
  }
  auto uri = str_encode(inv.conn_request);
  if (!uri) {
    w.fail(errc::bad_uri);
    return;
  }
  w.u16(inv.agent_version).ch(kInvitationTag).large(as_bytes(*uri)).raw(inv.conn_info);
}

std::optional<AgentEnvelope> read_invitation(enc::Reader& r, enc::Version version) {
  ByteView uri = r.large();
  if (!r.ok()) return std::nullopt;
  auto request = decode_connection_request(as_chars(uri));
  if (!request || request->mode != ConnectionMode::invitation) {
    r.fail(errc::bad_uri);
    return std::nullopt;
  }
  return AgentInvitation{version, std::move(*request), to_bytes(r.tail())};
}

}  // namespace

enc::Version agent_version(const AgentEnvelope& envelope) {
  return std::visit([](const auto& e) { return e.agent_version; }, envelope);
}

Result<Bytes> encode_agent_envelope(const AgentEnvelope& envelope) {
  enc::Writer w;
  std::visit(Overloaded{
                 [&](const AgentConfirmation& c) {
                   w.u16(c.agent_version).ch(kConfirmationTag);
                   enc::write_maybe(w, c.e2e, write_e2e_params);
                   w.raw(c.enc_conn_info);
                 },
                 [&](const AgentMsgEnvelope& m) {
                   w.u16(m.agent_version).ch(kMessageTag).raw(m.enc_agent_message);
                 },
                 [&](const AgentInvitation& i) { write_invitation(w, i); },
             },
             envelope);
  return std::move(w).finish();
}

Result<AgentEnvelope> decode_agent_envelope(ByteView bytes) {
  enc::Reader r(bytes);
  enc::Version version = r.u16();
  char tag = r.ch();
  if (!r.ok()) return make_error_code(r.error());
  std::optional<AgentEnvelope> out;
  switch (tag) {
    case kConfirmationTag: {
      auto e2e = enc::read_maybe(r, read_e2e_params);
      ByteView info = r.tail();
      if (r.ok()) out = AgentConfirmation{version, std::move(e2e), to_bytes(info)};
      break;
    }
    case kMessageTag:
      out = AgentMsgEnvelope{version, to_bytes(r.tail())};
      break;
    case kInvitationTag:
      out = read_invitation(r, version);
      break;
    default:
      r.fail(errc::bad_tag);
  }
  if (!r.ok()) return make_error_code(r.error());
  return std::move(*out);
}

}  // namespace smp::agent
