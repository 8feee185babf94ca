#include "smp/server/ini_reader.h"

#include <algorithm>

#include <fmt/format.h>

namespace smp::server {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_comment_start(char c) { return c == '#' || c == ';'; }

// Cuts a comment that starts after whitespace: `off  # on` → `off`. A `#` or `;` glued to
// the text before it (`pa#ss`) stays part of the value.
std::string_view strip_inline_comment(std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (is_comment_start(value[i]) && (i == 0 || is_space(value[i - 1]))) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

IniError error_at(std::size_t line, std::string message) { return IniError{line, std::move(message)}; }

}  // namespace

const IniEntry* Ini::find(std::string_view section, std::string_view key) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const IniEntry& e) {
    return e.section == section && e.key == key;
  });
  return it == entries_.end() ? nullptr : &*it;
}

IniResult parse_ini(std::string_view text) {
  Ini ini;
  std::string section;
  bool in_section = false;
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view raw = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_no;

    std::string_view line = trim(raw);
    if (line.empty() || is_comment_start(line.front())) continue;

    if (line.front() == '[') {
      std::size_t close = line.find(']');
      if (close == std::string_view::npos) {
        return error_at(line_no, "section header without a closing `]`");
      }
      std::string_view rest = trim(line.substr(close + 1));
      if (!rest.empty() && !is_comment_start(rest.front())) {
        return error_at(line_no, "unexpected text after the section header");
      }
      std::string_view name = trim(line.substr(1, close - 1));
      if (name.empty()) return error_at(line_no, "empty section name");
      section.assign(name);
      in_section = true;
      if (std::find(ini.sections_.begin(), ini.sections_.end(), section) == ini.sections_.end()) {
        ini.sections_.push_back(section);
      }
      continue;
    }

    std::size_t sep = line.find_first_of(":=");
    if (sep == std::string_view::npos) {
      return error_at(line_no, "expected `key: value` or `[SECTION]`");
    }
    std::string_view key = trim(line.substr(0, sep));
    if (key.empty()) return error_at(line_no, fmt::format("missing key before `{}`", line[sep]));
    if (!in_section) {
      return error_at(line_no, fmt::format("key `{}` is outside any [SECTION]", key));
    }
    if (const IniEntry* prev = ini.find(section, key)) {
      return error_at(line_no, fmt::format("key `{}` repeated in [{}] (first on line {})", key,
                                           section, prev->line));
    }
    std::string_view raw_value = trim(line.substr(sep + 1));
    std::string_view value = strip_inline_comment(raw_value);
    ini.entries_.push_back(IniEntry{section, std::string(key), std::string(value), line_no,
                                    std::string(raw_value)});
  }
  return ini;
}

}  // namespace smp::server
