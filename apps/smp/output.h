// How the smp tool talks to its user: text for people, or one JSON object per line with
// --json for scripts; errors as one line on stderr (text) or {"ok":false,...} on stdout
// (JSON), exit status 1. Not thread-safe; single-threaded tool.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "smp/common/error.h"

namespace smp::cli {

// What the tool was doing when an error happened, for a message that says what to check.
enum class Stage { connecting, command, local };

class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  bool json() const { return json_; }

  // JSON mode: prints `object` as one line. Text mode: prints `text` (newline added).
  void emit(const boost::json::object& object, std::string_view text) const;

  // Prints the error (see describe_error) and returns the exit status, 1.
  int fail(error_code ec, Stage stage, std::string_view endpoint) const;
  // A usage or local problem with a message of our own.
  int fail(std::string_view code, std::string_view message) const;

 private:
  bool json_;
};

// One line saying what went wrong and what to check, e.g. "cannot connect to 127.0.0.1:5223
// (nothing listening there, or the host is unknown)".
std::string describe_error(error_code ec, Stage stage, std::string_view endpoint);

// The "error" field of JSON errors: the SMP token for server errors ("AUTH", "CMD SYNTAX"),
// else a stable snake_case name ("network", "timeout", "tls_failure", ...).
std::string error_code_name(error_code ec);

// True if `bytes` is valid UTF-8 (then it is printed as text; otherwise as base64url).
bool is_utf8(std::string_view bytes);

}  // namespace smp::cli
