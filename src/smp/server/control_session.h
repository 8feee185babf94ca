// ControlSession: one control port connection's dialogue (the reference's runCPClient and
// controlPortAuth in Server.hs at simplexmq 6.5.5): the role it holds and the answer to each
// line it sends. No I/O of its own.
//
// Roles: a connection starts with none. `auth <password>` sets it once — admin for the admin
// password, user for the user password (checked in that order, each in constant time), none
// otherwise — and answers "Current role is CPRAdmin" (CPRUser, CPRNone); later `auth` lines
// keep the role: "Current role is CPRUser, start new session to change." when asking for
// another one. Without a password set, that role cannot be had.
//   any role:    help, quit, stats-rts, auth
//   user, admin: stats, status, block, unblock, server-info, sockets
//   admin:       clients, delete, save, suspend, resume, threads, socket-threads
// A command without the role it needs is answered "AUTH"; a line that does not parse
// "error: <reason>". Each command but auth, help and quit is logged by its keyword only
// (never a password, id or argument).
//
// Not thread-safe; `control` and `passwords` must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smp/server/control_command.h"
#include "smp/server/server_control.h"

namespace smp::server {

// [AUTH] control_port_admin_password and control_port_user_password; unset = nobody.
struct ControlPasswords {
  std::optional<std::string> admin;
  std::optional<std::string> user;
};

// The connection's greeting, sent before the first line is read.
inline constexpr std::string_view kControlPortGreeting =
    "SMP server control port\n'help' for supported commands\n";

class ControlSession {
 public:
  ControlSession(ServerControl& control, const ControlPasswords& passwords);

  struct Answer {
    std::string text;    // lines ending in '\n'; empty for an empty line
    bool close = false;  // `quit`: close the connection without an answer
  };
  // `line` without its '\n'.
  Answer answer(std::string_view line);

  ControlRole role() const { return role_; }

 private:
  std::string authenticate(const std::string& password);
  std::string run(const ControlCommand& c);

  ServerControl& control_;
  const ControlPasswords& passwords_;
  ControlRole role_ = ControlRole::none;
};

}  // namespace smp::server
