#include "smp/agent/agent_protocol.h"

#include <algorithm>

#include "smp/common/try.h"

namespace smp::agent {
namespace {

constexpr std::string_view kCrLf = "\r\n";

bool has_lf(std::string_view s) { return s.find('\n') != std::string_view::npos; }

}  // namespace

Result<Bytes> encode_transmission(const Transmission& t) {
  if (has_lf(t.corr_id) || has_lf(t.conn_id)) return make_error_code(errc::bad_syntax);
  SMP_TRY(Bytes command, encode_command(t.command));
  Bytes out;
  out.reserve(t.corr_id.size() + t.conn_id.size() + command.size() + 6);
  append(out, as_bytes(t.corr_id));
  append(out, as_bytes(kCrLf));
  append(out, as_bytes(t.conn_id));
  append(out, as_bytes(kCrLf));
  append(out, command);
  append(out, as_bytes(kCrLf));
  return out;
}

TransmissionParser::TransmissionParser(Party sender, ProtocolLimits limits)
    : sender_(sender), limits_(limits) {}

bool TransmissionParser::in_progress() const {
  return phase_ != Phase::corr_id || !line_.empty() || line_too_long_;
}

ParseStep TransmissionParser::parse(ByteView input) {
  std::size_t pos = 0;
  while (pos < input.size()) {
    if (phase_ == Phase::body || phase_ == Phase::skip_body) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, input.size() - pos));
      if (phase_ == Phase::body) {
        append(*binary_field(std::get<AgentCommand>(pending_)), input.subspan(pos, n));
      }
      pos += n;
      body_left_ -= n;
      if (body_left_ == 0) phase_ = phase_ == Phase::body ? Phase::body_end : Phase::skip_end;
      continue;
    }
    if (!take_line(input, pos)) break;
    if (auto t = on_line()) return {pos, std::move(t)};
  }
  return {pos, std::nullopt};
}

bool TransmissionParser::take_line(ByteView in, std::size_t& pos) {
  ByteView rest = in.subspan(pos);
  const auto lf = std::find(rest.begin(), rest.end(), std::uint8_t{'\n'});
  const auto len = static_cast<std::size_t>(lf - rest.begin());
  // Keep one byte more than the limit, for a trailing CR.
  const std::size_t room = limits_.max_line + 1 - std::min(line_.size(), limits_.max_line + 1);
  line_.append(as_chars(rest.first(std::min(len, room))));
  if (len > room) line_too_long_ = true;
  if (lf == rest.end()) {
    pos = in.size();
    return false;
  }
  pos += len + 1;
  if (!line_too_long_ && !line_.empty() && line_.back() == '\r') line_.pop_back();
  if (line_.size() > limits_.max_line) line_too_long_ = true;
  return true;
}

std::optional<ReceivedTransmission> TransmissionParser::on_line() {
  const bool too_long = line_too_long_;
  line_too_long_ = false;
  std::string line = std::move(line_);
  line_.clear();
  switch (phase_) {
    case Phase::corr_id:
      any_too_long_ = too_long;
      corr_id_ = std::move(line);
      phase_ = Phase::conn_id;
      return std::nullopt;
    case Phase::conn_id:
      any_too_long_ = any_too_long_ || too_long;
      conn_id_ = std::move(line);
      phase_ = Phase::command;
      return std::nullopt;
    case Phase::command:
      if (too_long) return finish(cmd_error(CommandErrorType::large));  // its size is lost
      return on_command_line(line);
    case Phase::body_end:
      if (too_long || !line.empty()) return finish(cmd_error(CommandErrorType::size));
      return finish(std::move(pending_));
    case Phase::skip_end:
      return finish(std::move(pending_));
    case Phase::body:
    case Phase::skip_body:
      break;
  }
  return std::nullopt;  // unreachable: bodies are not lines
}

std::optional<ReceivedTransmission> TransmissionParser::on_command_line(std::string_view line) {
  ParsedCommandLine parsed = parse_command_line(line);
  if (any_too_long_) {
    parsed.result = cmd_error(CommandErrorType::large);  // an overlong corrId or connId
  } else if (auto* command = std::get_if<AgentCommand>(&parsed.result)) {
    const Bytes* inline_body = binary_field(*command);
    if (command_party(*command) != sender_) {
      parsed.result = cmd_error(CommandErrorType::prohibited);
    } else if (conn_id_.empty() && !conn_id_optional(*command)) {
      parsed.result = cmd_error(CommandErrorType::no_conn);
    } else if ((inline_body && inline_body->size() > limits_.max_body) ||
               (parsed.body_size && *parsed.body_size > limits_.max_body)) {
      parsed.result = cmd_error(CommandErrorType::large);
    }
  }
  if (!parsed.body_size) return finish(std::move(parsed.result));

  const bool keep = parsed.result.index() == 0;
  pending_ = std::move(parsed.result);
  start_body(*parsed.body_size, keep);
  return std::nullopt;
}

void TransmissionParser::start_body(std::uint64_t size, bool keep) {
  body_left_ = size;
  if (keep) {
    // size ≤ max_body here.
    binary_field(std::get<AgentCommand>(pending_))->reserve(static_cast<std::size_t>(size));
  }
  if (size == 0) {
    phase_ = keep ? Phase::body_end : Phase::skip_end;
  } else {
    phase_ = keep ? Phase::body : Phase::skip_body;
  }
}

ReceivedTransmission TransmissionParser::finish(std::variant<AgentCommand, AgentError> result) {
  ReceivedTransmission t{std::move(corr_id_), std::move(conn_id_), std::move(result)};
  corr_id_.clear();
  conn_id_.clear();
  line_.clear();
  line_too_long_ = false;
  any_too_long_ = false;
  pending_ = cmd::Ok{};
  body_left_ = 0;
  phase_ = Phase::corr_id;
  return t;
}

ParseStep parse_transmission(ByteView input, Party sender, ProtocolLimits limits) {
  TransmissionParser parser(sender, limits);
  return parser.parse(input);
}

}  // namespace smp::agent
