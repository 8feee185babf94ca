#include "smp/agent/agent_command.h"

// GCC 12 at -O3 reports false positives on moves of nested std::variant / std::optional.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <limits>

#include "smp/common/overloaded.h"
#include "smp/common/try.h"

namespace smp::agent {
namespace {

constexpr char kInlineMarker = ':';
constexpr std::string_view kInvitationMode = "INV";
constexpr std::string_view kContactMode = "CON";

template <class T>
constexpr bool kHasBinary =
    std::is_same_v<T, cmd::Join> || std::is_same_v<T, cmd::Conf> || std::is_same_v<T, cmd::Let> ||
    std::is_same_v<T, cmd::Req> || std::is_same_v<T, cmd::Acpt> || std::is_same_v<T, cmd::Info> ||
    std::is_same_v<T, cmd::Send> || std::is_same_v<T, cmd::Msg>;

template <class T>
auto& binary_of(T& c) {
  if constexpr (std::is_same_v<std::remove_const_t<T>, cmd::Send> ||
                std::is_same_v<std::remove_const_t<T>, cmd::Msg>) {
    return c.body;
  } else {
    return c.conn_info;
  }
}

// B is Bytes or const Bytes, V the matching AgentCommand.
template <class B, class V>
B* binary_field_of(V& command) {
  return std::visit(
      [](auto& c) -> B* {
        if constexpr (kHasBinary<std::decay_t<decltype(c)>>) {
          return &binary_of(c);
        } else {
          return nullptr;
        }
      },
      command);
}

// The tags whose last field is a binary body.
bool carries_body(std::string_view tag) {
  return tag == "JOIN" || tag == "CONF" || tag == "LET" || tag == "REQ" || tag == "ACPT" ||
         tag == "INFO" || tag == "SEND" || tag == "MSG";
}

// --- encoding ----------------------------------------------------------------------------

class LineWriter {
 public:
  explicit LineWriter(std::string_view tag) : line_(tag) {}
  LineWriter& word(std::string_view w) {
    line_ += ' ';
    line_ += w;
    return *this;
  }
  // An id that the parser reads up to the next space.
  LineWriter& id(std::string_view w) {
    if (w.find(' ') != std::string_view::npos) ok_ = false;
    return word(w);
  }
  LineWriter& number(std::int64_t n) {
    if (n < 0) ok_ = false;
    return word(std::to_string(n));
  }
  LineWriter& uri(const ConnectionRequest& request) {
    auto text = str_encode(request);
    if (!text) {
      uri_ok_ = false;
      return *this;
    }
    return id(*text);
  }
  LineWriter& result(const Result<std::string>& text) {
    if (!text) {
      ok_ = false;
      return *this;
    }
    return word(*text);
  }
  // The binary field in size form ends the line; its bytes follow the LF.
  Result<Bytes> finish(const Bytes* binary = nullptr) {
    if (binary) word(std::to_string(binary->size()));
    if (!uri_ok_) return make_error_code(errc::bad_uri);
    if (!ok_ || line_.find('\n') != std::string::npos) return make_error_code(errc::bad_syntax);
    Bytes out = to_bytes(line_);
    if (binary) {
      out.push_back('\n');
      append(out, *binary);
    }
    return out;
  }

 private:
  std::string line_;
  bool ok_ = true;
  bool uri_ok_ = true;
};

// --- parsing -----------------------------------------------------------------------------

using LineResult = std::variant<AgentCommand, AgentError>;

struct Binary {
  Bytes inline_bytes;
  std::optional<std::uint64_t> size;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::uint64_t saturating_size(std::string_view digits) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (char c : digits) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return kMax;
    v = v * 10 + d;
  }
  return v;
}

// The reference's getBody on the rest of the line: ":" bytes, or a plain decimal size. (Its
// `read` would also take blanks around the number, parentheses, hex and negative numbers.)
std::optional<Binary> binary(std::string_view text) {
  if (!text.empty() && text.front() == kInlineMarker) return Binary{to_bytes(text.substr(1)), {}};
  if (all_digits(text)) return Binary{{}, saturating_size(text)};
  return std::nullopt;
}

std::optional<std::string_view> split_word(std::string_view& in) {
  std::size_t space = in.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view word = in.substr(0, space);
  in.remove_prefix(space + 1);
  return word;
}

std::optional<std::int64_t> whole_id(std::string_view text) {
  auto id = parse_decimal_id(text);
  if (!id || !text.empty()) return std::nullopt;
  return *id;
}

// A command whose binary field is the rest of the line.
template <class T>
std::optional<ParsedCommandLine> with_binary(T command, std::string_view rest) {
  auto b = binary(rest);
  if (!b) return std::nullopt;
  binary_of(command) = std::move(b->inline_bytes);
  return ParsedCommandLine{AgentCommand(std::move(command)), b->size};
}

template <class T>
std::optional<ParsedCommandLine> plain(T command) {
  return ParsedCommandLine{AgentCommand(std::move(command)), std::nullopt};
}

// "<id> <binary>" for CONF LET REQ ACPT; the id runs to the first space and may be empty.
template <class T>
std::optional<ParsedCommandLine> id_and_binary(std::string_view rest) {
  auto id = split_word(rest);
  if (!id) return std::nullopt;
  T command{};
  if constexpr (std::is_same_v<T, cmd::Conf> || std::is_same_v<T, cmd::Let>) {
    command.conf_id = std::string(*id);
  } else {
    command.inv_id = std::string(*id);
  }
  return with_binary(std::move(command), rest);
}

std::optional<ParsedCommandLine> parse_with_args(std::string_view tag, std::string_view rest) {
  if (tag == "NEW") {
    if (rest == kInvitationMode) return plain(cmd::New{ConnectionMode::invitation});
    if (rest == kContactMode) return plain(cmd::New{ConnectionMode::contact});
    return std::nullopt;
  }
  if (tag == "INV") {
    auto request = decode_connection_request(rest);
    if (!request) return std::nullopt;
    return plain(cmd::Inv{std::move(*request)});
  }
  if (tag == "JOIN") {
    auto request = parse_connection_request(rest);
    if (!request || !rest.starts_with(' ')) return std::nullopt;
    return with_binary(cmd::Join{std::move(*request), {}}, rest.substr(1));
  }
  if (tag == "CONF") return id_and_binary<cmd::Conf>(rest);
  if (tag == "LET") return id_and_binary<cmd::Let>(rest);
  if (tag == "REQ") return id_and_binary<cmd::Req>(rest);
  if (tag == "ACPT") return id_and_binary<cmd::Acpt>(rest);
  if (tag == "RJCT") return plain(cmd::Rjct{std::string(rest)});
  if (tag == "INFO") return with_binary(cmd::Info{}, rest);
  if (tag == "SEND") return with_binary(cmd::Send{}, rest);
  if (tag == "MID" || tag == "SENT" || tag == "ACK") {
    auto id = whole_id(rest);
    if (!id) return std::nullopt;
    if (tag == "MID") return plain(cmd::Mid{*id});
    if (tag == "SENT") return plain(cmd::Sent{*id});
    return plain(cmd::Ack{*id});
  }
  if (tag == "MERR") {
    auto id = parse_decimal_id(rest);
    if (!id || !rest.starts_with(' ')) return std::nullopt;
    auto error = parse_agent_error(rest.substr(1));
    if (!error) return std::nullopt;
    return plain(cmd::Merr{*id, std::move(*error)});
  }
  if (tag == "MSG") {
    auto meta = parse_msg_meta(rest);
    if (!meta || !rest.starts_with(' ')) return std::nullopt;
    return with_binary(cmd::Msg{std::move(*meta), {}}, rest.substr(1));
  }
  if (tag == "ERR") {
    auto error = parse_agent_error(rest);
    if (!error) return std::nullopt;
    return plain(cmd::Err{std::move(*error)});
  }
  return std::nullopt;
}

std::optional<ParsedCommandLine> parse_bare(std::string_view tag) {
  if (tag == "SUB") return plain(cmd::Sub{});
  if (tag == "END") return plain(cmd::End{});
  if (tag == "DOWN") return plain(cmd::Down{});
  if (tag == "UP") return plain(cmd::Up{});
  if (tag == "OFF") return plain(cmd::Off{});
  if (tag == "DEL") return plain(cmd::Del{});
  if (tag == "CON") return plain(cmd::Con{});
  if (tag == "OK") return plain(cmd::Ok{});
  return std::nullopt;
}

// After a syntax error: the size of a body that the line seems to announce (see the header).
std::optional<std::uint64_t> announced_size(std::string_view tag, std::string_view line) {
  if (!carries_body(tag)) return std::nullopt;
  std::size_t last_space = line.rfind(' ');
  if (last_space == std::string_view::npos) return std::nullopt;
  std::string_view last = line.substr(last_space + 1);
  if (!all_digits(last)) return std::nullopt;
  if (line.substr(0, last_space).find(" :") != std::string_view::npos) return std::nullopt;
  return saturating_size(last);
}

}  // namespace

Party command_party(const AgentCommand& command) {
  return std::visit(
      [](const auto& c) {
        using T = std::decay_t<decltype(c)>;
        constexpr bool kClient = std::is_same_v<T, cmd::New> || std::is_same_v<T, cmd::Join> ||
                                 std::is_same_v<T, cmd::Let> || std::is_same_v<T, cmd::Acpt> ||
                                 std::is_same_v<T, cmd::Rjct> || std::is_same_v<T, cmd::Sub> ||
                                 std::is_same_v<T, cmd::Send> || std::is_same_v<T, cmd::Ack> ||
                                 std::is_same_v<T, cmd::Off> || std::is_same_v<T, cmd::Del>;
        return kClient ? Party::client : Party::agent;
      },
      command);
}

bool conn_id_optional(const AgentCommand& command) {
  return std::holds_alternative<cmd::New>(command) || std::holds_alternative<cmd::Join>(command) ||
         std::holds_alternative<cmd::Acpt>(command) || std::holds_alternative<cmd::Err>(command);
}

Bytes* binary_field(AgentCommand& command) { return binary_field_of<Bytes>(command); }

const Bytes* binary_field(const AgentCommand& command) {
  return binary_field_of<const Bytes>(command);
}

Result<Bytes> encode_command(const AgentCommand& command) {
  return std::visit(
      Overloaded{
          [](const cmd::New& c) {
            return LineWriter("NEW")
                .word(c.mode == ConnectionMode::invitation ? kInvitationMode : kContactMode)
                .finish();
          },
          [](const cmd::Inv& c) { return LineWriter("INV").uri(c.request).finish(); },
          [](const cmd::Join& c) { return LineWriter("JOIN").uri(c.request).finish(&c.conn_info); },
          [](const cmd::Conf& c) { return LineWriter("CONF").id(c.conf_id).finish(&c.conn_info); },
          [](const cmd::Let& c) { return LineWriter("LET").id(c.conf_id).finish(&c.conn_info); },
          [](const cmd::Req& c) { return LineWriter("REQ").id(c.inv_id).finish(&c.conn_info); },
          [](const cmd::Acpt& c) { return LineWriter("ACPT").id(c.inv_id).finish(&c.conn_info); },
          [](const cmd::Rjct& c) { return LineWriter("RJCT").word(c.inv_id).finish(); },
          [](const cmd::Info& c) { return LineWriter("INFO").finish(&c.conn_info); },
          [](const cmd::Con&) { return LineWriter("CON").finish(); },
          [](const cmd::Sub&) { return LineWriter("SUB").finish(); },
          [](const cmd::End&) { return LineWriter("END").finish(); },
          [](const cmd::Down&) { return LineWriter("DOWN").finish(); },
          [](const cmd::Up&) { return LineWriter("UP").finish(); },
          [](const cmd::Send& c) { return LineWriter("SEND").finish(&c.body); },
          [](const cmd::Mid& c) { return LineWriter("MID").number(c.id).finish(); },
          [](const cmd::Sent& c) { return LineWriter("SENT").number(c.id).finish(); },
          [](const cmd::Merr& c) {
            return LineWriter("MERR").number(c.id).word(encode_agent_error(c.error)).finish();
          },
          [](const cmd::Msg& c) {
            return LineWriter("MSG").result(encode_msg_meta(c.meta)).finish(&c.body);
          },
          [](const cmd::Ack& c) { return LineWriter("ACK").number(c.id).finish(); },
          [](const cmd::Off&) { return LineWriter("OFF").finish(); },
          [](const cmd::Del&) { return LineWriter("DEL").finish(); },
          [](const cmd::Ok&) { return LineWriter("OK").finish(); },
          [](const cmd::Err& c) {
            return LineWriter("ERR").word(encode_agent_error(c.error)).finish();
          },
      },
      command);
}

ParsedCommandLine parse_command_line(std::string_view line) {
  std::size_t space = line.find(' ');
  std::string_view tag = line.substr(0, space);
  std::optional<ParsedCommandLine> parsed = space == std::string_view::npos
                                                ? parse_bare(tag)
                                                : parse_with_args(tag, line.substr(space + 1));
  if (parsed) return std::move(*parsed);
  return ParsedCommandLine{cmd_error(CommandErrorType::syntax), announced_size(tag, line)};
}

}  // namespace smp::agent
