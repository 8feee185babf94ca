// ControlPort: the server's control port ([TRANSPORT] control_port, the reference's
// runCPServer): a plain-text TCP listener on 127.0.0.1 only, one ControlSession per
// connection, one command per line (control_command.h), answers as ServerControl gives them.
//
// Bounded against a client that floods it: at most `max_connections` at once (another is
// told "error: too many connections" and closed), lines of at most `max_line_length` bytes
// (a longer one is answered "error: line too long" and the connection closed), a connection
// that sends no complete line for `idle_timeout` or does not take an answer within
// `write_timeout` is closed. Answers are written before the next line is read, so a client
// that does not read stops being read.
//
// Strand-bound: make, use and destroy it on its executor's thread (the app runs it on its one
// signal thread, which then also runs every command). `control` and the passwords must
// outlive it and every connection it accepted (the app destroys them after the executor's
// io_context has stopped).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "smp/common/app_error.h"
#include "smp/server/control_session.h"
#include "smp/server/server_control.h"

namespace smp::server {

struct ControlPortOptions {
  std::uint16_t port = 0;  // 0 = any free port
  std::size_t max_connections = 8;
  std::size_t max_line_length = 4096;
  std::chrono::seconds idle_timeout{900};
  std::chrono::seconds write_timeout{30};
};

namespace detail {
struct ControlPortState;
}

class ControlPort {
 public:
  // Listens on 127.0.0.1:port. The error names the address and the reason, e.g. "cannot
  // listen on 127.0.0.1:5224: Address already in use (control port)".
  static AppResult<std::unique_ptr<ControlPort>> listen(boost::asio::any_io_executor executor,
                                                        const ControlPortOptions& options,
                                                        ServerControl& control,
                                                        const ControlPasswords& passwords);

  ControlPort(const ControlPort&) = delete;
  ControlPort& operator=(const ControlPort&) = delete;
  ~ControlPort();  // closes the listening socket

  std::uint16_t port() const { return port_; }
  // Stops accepting; idempotent. Open connections go on until they end.
  void close();

 private:
  ControlPort(std::shared_ptr<detail::ControlPortState> state, std::uint16_t port);
  std::shared_ptr<detail::ControlPortState> state_;
  std::uint16_t port_;
};

}  // namespace smp::server
