// Framing of the agent's client protocol (spec §7.1): transmissions of three lines (corrId,
// connId, command), written with CRLF and read up to LF with one trailing CR dropped; a
// size-form binary field follows its command line as <size> bytes and an empty line.
// encode_transmission writes one; TransmissionParser reads them incrementally from a
// connection's bytes. Pure functions are thread-safe; a parser is not (one per connection,
// used from its reader).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "smp/agent/agent_command.h"
#include "smp/agent/agent_error.h"
#include "smp/agent/envelope_format.h"
#include "smp/common/bytes.h"
#include "smp/common/error.h"

namespace smp::agent {

// The longest line kept (a ":" body of the largest size plus a long JOIN request fit) and the
// largest binary field: nothing larger can be sent (SEND) or delivered (MSG).
inline constexpr std::size_t kMaxLineLength = 32 * 1024;
inline constexpr std::size_t kMaxBodySize = kMaxUserMessageSize;

// The first line the agent writes after the TLS handshake.
inline constexpr std::string_view kAgentWelcome = "Welcome to SMP agent v1.0.0";

struct ProtocolLimits {
  std::size_t max_line = kMaxLineLength;
  std::size_t max_body = kMaxBodySize;
};

// Copyable value type.
struct Transmission {
  std::string corr_id;  // empty for notifications
  std::string conn_id;
  AgentCommand command;
  friend bool operator==(const Transmission&, const Transmission&) = default;
};

// corrId CRLF connId CRLF command CRLF, the binary field in size form ("SEND 5\nhello\r\n").
// errc::bad_syntax when corrId or connId contains an LF, and encode_command's errors.
Result<Bytes> encode_transmission(const Transmission& t);

// What the parser read: the command, or the error to send back with the same corrId and
// connId.
struct ReceivedTransmission {
  std::string corr_id;
  std::string conn_id;
  std::variant<AgentCommand, AgentError> result;

  bool ok() const { return result.index() == 0; }
  const AgentCommand& command() const { return std::get<AgentCommand>(result); }
  const AgentError& error() const { return std::get<AgentError>(result); }
  friend bool operator==(const ReceivedTransmission&, const ReceivedTransmission&) = default;
};

struct ParseStep {
  // Bytes of the input used by this call; the caller drops them before the next call.
  // Without a transmission it is always the whole input (kept in the parser's state).
  std::size_t consumed = 0;
  // Set when a transmission finished within the consumed bytes.
  std::optional<ReceivedTransmission> transmission;
};

// Feed it bytes as they arrive: each call consumes input into the parser's own state (at most
// one transmission per call) and reports "need more" or a finished transmission, which is a
// command or the error to answer with. Checks run in the reference's order: the command line
// (CMD SYNTAX), the sender's party (CMD PROHIBITED), the connId (CMD NO_CONN), then the body
// (CMD SIZE when the line after it is not empty).
//
// Unlike the reference (quirk Q13), a rejected command does not leave its size-form body to
// be read as the next transmission: when the size can be told (the line parsed, or still ends
// in a number after a body-carrying tag, see parse_command_line), that many bytes and the
// line after them are skipped before the error is reported. When it cannot (e.g. "SEND x"),
// nothing is skipped, as in the reference. Limits keep memory bounded: a line longer than
// max_line is discarded as it streams and the transmission answered with CMD LARGE (when it
// is the command line, a size it held is lost); a body over max_body is skipped without
// being stored and answered with CMD LARGE. A body announced as absurdly large is skipped
// all the same, so such a connection reads on without answering; close it on a timeout.
class TransmissionParser {
 public:
  // `sender` is the party whose commands are accepted: Party::client on the agent's side
  // (an agent response then gets CMD PROHIBITED), Party::agent on a client's side.
  explicit TransmissionParser(Party sender, ProtocolLimits limits = {});

  ParseStep parse(ByteView input);

  // True between the first byte of a transmission and its end (EOF there is a broken
  // transmission, not a clean close).
  bool in_progress() const;

 private:
  enum class Phase { corr_id, conn_id, command, body, body_end, skip_body, skip_end };

  // Returns true when `in` held the end of the current line.
  bool take_line(ByteView in, std::size_t& pos);
  std::optional<ReceivedTransmission> on_line();
  std::optional<ReceivedTransmission> on_command_line(std::string_view line);
  void start_body(std::uint64_t size, bool keep);
  ReceivedTransmission finish(std::variant<AgentCommand, AgentError> result);

  const Party sender_;
  const ProtocolLimits limits_;
  Phase phase_ = Phase::corr_id;
  std::string line_;
  bool line_too_long_ = false;
  bool any_too_long_ = false;
  std::string corr_id_;
  std::string conn_id_;
  std::variant<AgentCommand, AgentError> pending_;
  std::uint64_t body_left_ = 0;
};

// One parse over a whole buffer: a convenience for tests and buffered callers.
ParseStep parse_transmission(ByteView input, Party sender, ProtocolLimits limits = {});

}  // namespace smp::agent
