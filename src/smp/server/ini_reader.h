// A small reader for the server's ini file: `[SECTION]` headers and `key: value` or
// `key = value` lines; `#` and `;` start a comment at the start of a line or after
// whitespace inside a value (so `enable: off  # on` reads as `off`). Keys are case-sensitive;
// a key may appear once per section; a key before any section is an error.
//
// Pure functions and immutable values; thread-safe. An Ini owns copies of its strings.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smp::server {

// What went wrong and on which line (1-based; 0 when the error is not tied to a line).
struct IniError {
  std::size_t line = 0;
  std::string message;
};

struct IniEntry {
  std::string section;
  std::string key;
  std::string value;  // trimmed, comment removed; may be empty
  std::size_t line = 0;
  // The value trimmed but with nothing removed, for values in which `#` or `;` after a space
  // may be meant literally (the first token of a password).
  std::string raw_value;
};

// A parsed file: its entries in file order. Copyable value.
class Ini {
 public:
  // The entry for section/key, or nullptr when absent.
  const IniEntry* find(std::string_view section, std::string_view key) const;
  const std::vector<IniEntry>& entries() const { return entries_; }
  // Sections in order of first appearance (a section with no keys included).
  const std::vector<std::string>& sections() const { return sections_; }

 private:
  friend boost::system::result<Ini, IniError> parse_ini(std::string_view text);
  std::vector<IniEntry> entries_;
  std::vector<std::string> sections_;
};

using IniResult = boost::system::result<Ini, IniError>;

// Parses the whole text (LF or CRLF line endings). Errors name the first bad line: a section
// header without its `]` or with an empty name, a line with neither `:` nor `=`, an empty
// key, a key outside any section, a key repeated within a section.
IniResult parse_ini(std::string_view text);

}  // namespace smp::server
