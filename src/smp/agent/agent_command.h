// Commands and responses of the agent's client protocol (ACommand, spec §7.2), and the text
// of one command line. A client sends NEW JOIN LET ACPT RJCT SUB SEND ACK OFF DEL; the agent
// answers or notifies with INV CONF REQ INFO CON END DOWN UP MID SENT MERR MSG OK ERR.
// Binary fields (message bodies, connection info) are written in size form
// ("<size>\n<bytes>"); on input a command line ends either with ":<bytes>" or with the size,
// the bytes then following the line (agent_protocol.h reads them). Plain value types, pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "smp/agent/agent_error.h"
#include "smp/agent/connection_request.h"
#include "smp/agent/msg_meta.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::agent {

// Who sends a command: the agent's client or the agent.
enum class Party { client, agent };

namespace cmd {
struct New {  // → INV
  ConnectionMode mode;
  friend bool operator==(const New&, const New&) = default;
};
struct Inv {
  ConnectionRequest request;
  friend bool operator==(const Inv&, const Inv&) = default;
};
struct Join {  // → OK
  ConnectionRequest request;
  Bytes conn_info;
  friend bool operator==(const Join&, const Join&) = default;
};
struct Conf {  // notification on the initiating connection
  std::string conf_id;
  Bytes conn_info;
  friend bool operator==(const Conf&, const Conf&) = default;
};
struct Let {  // → OK
  std::string conf_id;
  Bytes conn_info;
  friend bool operator==(const Let&, const Let&) = default;
};
struct Req {  // notification on a contact connection
  std::string inv_id;
  Bytes conn_info;
  friend bool operator==(const Req&, const Req&) = default;
};
struct Acpt {  // → OK
  std::string inv_id;
  Bytes conn_info;
  friend bool operator==(const Acpt&, const Acpt&) = default;
};
struct Rjct {  // → OK
  std::string inv_id;
  friend bool operator==(const Rjct&, const Rjct&) = default;
};
struct Info {
  Bytes conn_info;
  friend bool operator==(const Info&, const Info&) = default;
};
struct Con {
  friend bool operator==(const Con&, const Con&) = default;
};
struct Sub {  // → OK
  friend bool operator==(const Sub&, const Sub&) = default;
};
struct End {
  friend bool operator==(const End&, const End&) = default;
};
struct Down {
  friend bool operator==(const Down&, const Down&) = default;
};
struct Up {
  friend bool operator==(const Up&, const Up&) = default;
};
struct Send {  // → MID
  Bytes body;
  friend bool operator==(const Send&, const Send&) = default;
};
struct Mid {
  std::int64_t id;
  friend bool operator==(const Mid&, const Mid&) = default;
};
struct Sent {
  std::int64_t id;
  friend bool operator==(const Sent&, const Sent&) = default;
};
struct Merr {
  std::int64_t id;
  AgentError error;
  friend bool operator==(const Merr&, const Merr&) = default;
};
struct Msg {
  MsgMeta meta;
  Bytes body;
  friend bool operator==(const Msg&, const Msg&) = default;
};
struct Ack {  // → OK
  std::int64_t id;
  friend bool operator==(const Ack&, const Ack&) = default;
};
struct Off {  // → OK
  friend bool operator==(const Off&, const Off&) = default;
};
struct Del {  // → OK
  friend bool operator==(const Del&, const Del&) = default;
};
struct Ok {
  friend bool operator==(const Ok&, const Ok&) = default;
};
struct Err {
  AgentError error;
  friend bool operator==(const Err&, const Err&) = default;
};
}  // namespace cmd

using AgentCommand =
    std::variant<cmd::New, cmd::Inv, cmd::Join, cmd::Conf, cmd::Let, cmd::Req, cmd::Acpt, cmd::Rjct,
                 cmd::Info, cmd::Con, cmd::Sub, cmd::End, cmd::Down, cmd::Up, cmd::Send, cmd::Mid,
                 cmd::Sent, cmd::Merr, cmd::Msg, cmd::Ack, cmd::Off, cmd::Del, cmd::Ok, cmd::Err>;

Party command_party(const AgentCommand& command);
// NEW, JOIN and ACPT may come with an empty connId (the agent makes one up), and ERR may be
// sent with none; every other command needs one (else CMD NO_CONN).
bool conn_id_optional(const AgentCommand& command);
// The binary field of JOIN CONF LET REQ ACPT INFO SEND MSG; nullptr for the others.
Bytes* binary_field(AgentCommand& command);
const Bytes* binary_field(const AgentCommand& command);

// The command as the reference's serializeCommand writes it (binary fields in size form:
// "SEND 5\nhello"). errc::bad_syntax when it cannot be read back: an LF in the line, a
// space in a confirmation/invitation id or a URI, a negative id, an empty broker id or a
// timestamp outside years 0000-9999; errc::bad_uri for a request that cannot be encoded.
Result<Bytes> encode_command(const AgentCommand& command);

// One command line (without its terminator) parsed on its own.
struct ParsedCommandLine {
  // The command (its binary field already filled for the ":" form, empty for the size form)
  // or CMD SYNTAX.
  std::variant<AgentCommand, AgentError> result;
  // The size-form body that follows the line. Also set after a syntax error when the line
  // still ends in what reads as a size (a body-carrying tag, last token all digits, no
  // ":" token before it), so that the caller can skip the body rather than read it as the
  // next transmission. Sizes beyond 2^64 - 1 saturate.
  std::optional<std::uint64_t> body_size;
};
ParsedCommandLine parse_command_line(std::string_view line);

}  // namespace smp::agent
