// Runs one of our executables (from SMP_BIN_DIR) as a child process and captures what it
// prints, for tests of the command-line tools. Not thread-safe; blocks until the child exits.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <vector>

#include <boost/json.hpp>

#include <gtest/gtest.h>

namespace smp::test {

struct ToolRun {
  int status = -1;     // exit status; -1 when killed or not run
  std::string output;  // stdout and stderr together

  // The last line that parses as a JSON object (empty if none).
  boost::json::object json() const {
    boost::json::object last;
    std::size_t start = 0;
    while (start < output.size()) {
      std::size_t end = output.find('\n', start);
      if (end == std::string::npos) end = output.size();
      boost::json::error_code ec;
      auto v = boost::json::parse(std::string_view(output).substr(start, end - start), ec);
      if (!ec && v.is_object()) last = v.as_object();
      start = end + 1;
    }
    return last;
  }
};

inline std::filesystem::path tool_path(const char* name) {
  return std::filesystem::path(SMP_BIN_DIR) / name;
}

// Single-quoted for /bin/sh.
inline std::string shell_quoted(const std::string& arg) {
  std::string out(1, '\'');
  for (char c : arg) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

inline ToolRun run_tool(const std::filesystem::path& tool, const std::vector<std::string>& args) {
  std::string cmd = shell_quoted(tool.string());
  for (const auto& a : args) cmd.append(" ").append(shell_quoted(a));
  cmd.append(" 2>&1");
  ToolRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed";
    return run;
  }
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace smp::test
