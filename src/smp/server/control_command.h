// The control port's command language: one line per command, as the reference's
// ControlProtocol (Server/Control.hs at simplexmq 6.5.5) reads it with strDecode:
//
//   auth <password>          suspend    resume    clients    stats    stats-rts    threads
//   sockets    socket-threads    server-info    save    help    quit    (empty line)
//   delete <id>    status <id>    unblock <id>    block <id> <blocking info>
//
// The keyword is everything up to the first space; its argument follows one whitespace
// character. <id> is a base64url sender id (or short-link id) of any length, <password> a
// BasicAuth (printable ASCII without whitespace, '@', ':' or '/'), <blocking info>
// `reason=spam|content[,notice=<JSON>]`, the rest of the line (as in ERR BLOCKED). Nothing
// may follow a command. The roles a connection can hold are the reference's CPClientRole.
//
// Pure functions and copyable values; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/server/queue_record.h"

namespace smp::server {

enum class ControlRole : std::uint8_t { none, user, admin };

// "CPRNone", "CPRUser", "CPRAdmin": the reference's Show, which `auth` prints.
std::string_view control_role_name(ControlRole role);

struct ControlCommand {
  enum class Kind : std::uint8_t {
    auth,
    suspend,
    resume,
    clients,
    stats,
    stats_rts,
    threads,
    sockets,
    socket_threads,
    server_info,
    delete_queue,
    status,
    block,
    unblock,
    save,
    help,
    quit,
    skip,  // an empty line
  };
  Kind kind = Kind::skip;
  std::string password = {};  // auth
  Bytes queue_id = {};         // delete, status, block, unblock: as sent (any length)
  BlockingInfo blocking = {};  // block

  friend bool operator==(const ControlCommand&, const ControlCommand&) = default;
};

// Why a line is not a command, in the reference's words where a script may see them (they
// are answered as "error: <message>"): "Failed reading: bad ControlProtocol command" for an
// unknown keyword, "endOfInput" for text after a complete command, "Failed reading: invalid
// character in BasicAuth" for a bad password.
struct ControlParseError {
  std::string message;
};

// Parses one line without its '\n'; one trailing '\r' is ignored (the reference's trimCR).
boost::system::result<ControlCommand, ControlParseError> parse_control_command(
    std::string_view line);

}  // namespace smp::server
