// The grammar is the reference's StrEncoding ControlProtocol (Server/Control.hs), BasicAuth
// and BlockingInfo (Protocol.hs) and base64urlP (Encoding/String.hs), run under parseAll.

#include "smp/server/control_command.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "smp/encoding/base64.h"
#include "smp/protocol/error_type.h"
#include "smp/server/server_ini.h"

namespace smp::server {

namespace {

using Kind = ControlCommand::Kind;
using ParseResult = boost::system::result<ControlCommand, ControlParseError>;

// Commands without an argument, by keyword.
constexpr std::array<std::pair<std::string_view, Kind>, 13> kPlainCommands{{
    {"suspend", Kind::suspend},
    {"resume", Kind::resume},
    {"clients", Kind::clients},
    {"stats", Kind::stats},
    {"stats-rts", Kind::stats_rts},
    {"threads", Kind::threads},
    {"sockets", Kind::sockets},
    {"socket-threads", Kind::socket_threads},
    {"server-info", Kind::server_info},
    {"save", Kind::save},
    {"help", Kind::help},
    {"quit", Kind::quit},
    {"", Kind::skip},
}};

// Commands whose argument is a queue id (block has a second argument).
constexpr std::array<std::pair<std::string_view, Kind>, 4> kQueueCommands{{
    {"delete", Kind::delete_queue},
    {"status", Kind::status},
    {"block", Kind::block},
    {"unblock", Kind::unblock},
}};

// attoparsec's isSpace for Char8.
bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

ControlParseError failed(std::string_view what) {
  return ControlParseError{"Failed reading: " + std::string(what)};
}

ControlParseError end_of_input_expected() { return ControlParseError{"endOfInput"}; }

// `_strP`'s leading space.
bool take_space(std::string_view& in) {
  if (in.empty() || !is_space(in.front())) return false;
  in.remove_prefix(1);
  return true;
}

ControlParseError space_expected() { return ControlParseError{"space: not enough input"}; }

BlockingReason server_reason(protocol::BlockingReason r) {
  return r == protocol::BlockingReason::content ? BlockingReason::content : BlockingReason::spam;
}

// BasicAuth: everything up to an '@' (at least one character), then checked.
ParseResult parse_auth(std::string_view in) {
  if (!take_space(in)) return space_expected();
  std::string_view password = in.substr(0, in.find('@'));
  if (password.empty()) return failed("takeWhile1");
  if (!is_valid_basic_auth(password)) return failed("invalid character in BasicAuth");
  if (password.size() != in.size()) return end_of_input_expected();
  ControlCommand c{.kind = Kind::auth};
  c.password = std::string(password);
  return c;
}

ParseResult parse_queue_command(Kind kind, std::string_view in) {
  if (!take_space(in)) return space_expected();
  if (in.empty() || !(std::isalnum(static_cast<unsigned char>(in.front())) || in.front() == '-' ||
                      in.front() == '_')) {
    return failed("takeWhile1");
  }
  auto id = enc::parse_b64url_token(in);
  if (!id) return failed("invalid base64url");
  ControlCommand c{.kind = kind};
  c.queue_id = std::move(*id);
  if (kind == Kind::block) {
    if (!take_space(in)) return space_expected();
    auto info = protocol::parse_blocking_info(as_bytes(in));
    if (!info) return failed("invalid BlockingInfo");
    c.blocking.reason = server_reason(info->reason);
    if (info->notice) c.blocking.notice = ClientNotice{.ttl = info->notice->ttl};
    return c;
  }
  if (!in.empty()) return end_of_input_expected();
  return c;
}

}  // namespace

std::string_view control_role_name(ControlRole role) {
  switch (role) {
    case ControlRole::user:
      return "CPRUser";
    case ControlRole::admin:
      return "CPRAdmin";
    case ControlRole::none:
      break;
  }
  return "CPRNone";
}

ParseResult parse_control_command(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view keyword = line.substr(0, line.find(' '));
  std::string_view rest = line.substr(keyword.size());
  if (keyword == "auth") return parse_auth(rest);
  for (const auto& [name, kind] : kQueueCommands) {
    if (keyword == name) return parse_queue_command(kind, rest);
  }
  for (const auto& [name, kind] : kPlainCommands) {
    if (keyword != name) continue;
    if (!rest.empty()) return end_of_input_expected();
    return ControlCommand{.kind = kind};
  }
  return failed("bad ControlProtocol command");
}

}  // namespace smp::server
