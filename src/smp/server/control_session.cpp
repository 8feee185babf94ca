#include "smp/server/control_session.h"

#include <spdlog/spdlog.h>

namespace smp::server {

namespace {

using Kind = ControlCommand::Kind;

// The role a command needs (the reference's withUserRole / withAdminRole).
ControlRole required_role(Kind kind) {
  switch (kind) {
    case Kind::stats:
    case Kind::status:
    case Kind::block:
    case Kind::unblock:
    case Kind::server_info:
    case Kind::sockets:
      return ControlRole::user;
    case Kind::clients:
    case Kind::delete_queue:
    case Kind::save:
    case Kind::suspend:
    case Kind::resume:
    case Kind::threads:
    case Kind::socket_threads:
      return ControlRole::admin;
    case Kind::auth:
    case Kind::stats_rts:
    case Kind::help:
    case Kind::quit:
    case Kind::skip:
      break;
  }
  return ControlRole::none;
}

bool has_role(ControlRole held, ControlRole needed) {
  if (needed == ControlRole::none) return true;
  if (needed == ControlRole::user) return held != ControlRole::none;
  return held == ControlRole::admin;
}

std::string_view keyword(Kind kind) {
  switch (kind) {
    case Kind::auth: return "auth";
    case Kind::suspend: return "suspend";
    case Kind::resume: return "resume";
    case Kind::clients: return "clients";
    case Kind::stats: return "stats";
    case Kind::stats_rts: return "stats-rts";
    case Kind::threads: return "threads";
    case Kind::sockets: return "sockets";
    case Kind::socket_threads: return "socket-threads";
    case Kind::server_info: return "server-info";
    case Kind::delete_queue: return "delete";
    case Kind::status: return "status";
    case Kind::block: return "block";
    case Kind::unblock: return "unblock";
    case Kind::save: return "save";
    case Kind::help: return "help";
    case Kind::quit: return "quit";
    case Kind::skip: break;
  }
  return "";
}

bool password_matches(const std::optional<std::string>& expected, const std::string& given) {
  return expected && constant_time_equal(as_bytes(*expected), as_bytes(given));
}

constexpr std::string_view kHelp =
    "commands: auth, stats, clients, server-info, status, block, unblock, delete, save, "
    "suspend, resume, help, quit\n";

}  // namespace

ControlSession::ControlSession(ServerControl& control, const ControlPasswords& passwords)
    : control_(control), passwords_(passwords) {}

ControlSession::Answer ControlSession::answer(std::string_view line) {
  auto parsed = parse_control_command(line);
  if (!parsed) return Answer{"error: " + parsed.error().message + "\n"};
  ControlCommand& c = *parsed;
  Answer a;
  switch (c.kind) {
    case Kind::quit:
      a.close = true;
      break;
    case Kind::skip:
      break;
    case Kind::help:
      a.text = kHelp;
      break;
    case Kind::auth:
      a.text = authenticate(c.password);
      secure_wipe(c.password.data(), c.password.size());
      break;
    default:
      spdlog::warn("control port: {}", keyword(c.kind));
      if (!has_role(role_, required_role(c.kind))) {
        spdlog::error("Unauthorized control port command");
        a.text = "AUTH\n";
      } else {
        a.text = run(c);
      }
  }
  return a;
}

std::string ControlSession::authenticate(const std::string& password) {
  // Both compared every time, so the answer's timing tells nothing about either.
  const bool admin = password_matches(passwords_.admin, password);
  const bool user = password_matches(passwords_.user, password);
  const ControlRole asked = admin ? ControlRole::admin : user ? ControlRole::user : ControlRole::none;
  std::string out = "Current role is ";
  if (role_ == ControlRole::none) {
    role_ = asked;
    out += control_role_name(role_);
  } else {
    out += control_role_name(role_);
    if (asked != role_) out += ", start new session to change.";
  }
  return out + "\n";
}

std::string ControlSession::run(const ControlCommand& c) {
  switch (c.kind) {
    case Kind::stats:
      return control_.stats();
    case Kind::clients:
      return control_.clients();
    case Kind::server_info:
      return control_.server_info();
    case Kind::delete_queue:
      return control_.delete_queue(c.queue_id);
    case Kind::status:
      return control_.status(c.queue_id);
    case Kind::block:
      return control_.block(c.queue_id, c.blocking);
    case Kind::unblock:
      return control_.unblock(c.queue_id);
    case Kind::save:
      return control_.save();
    default:
      // suspend and resume as in the reference; the GHC runtime's statistics, threads and
      // sockets have no counterpart here.
      return std::string(keyword(c.kind)) + " not implemented\n";
  }
}

}  // namespace smp::server
