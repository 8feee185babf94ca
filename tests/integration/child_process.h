// ChildProcess: runs one of our built binaries as a child process for the process-level
// tests: spawn with extra environment variables, stdout and stderr captured to files, wait for
// a banner line, signal, wait for exit. A process still running when its handle is destroyed
// is killed (SIGKILL) and reaped. Not thread-safe.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace smp::test {

using namespace std::chrono_literals;

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

using Env = std::vector<std::pair<std::string, std::string>>;

class ChildProcess {
 public:
  // Starts `binary args...` with `env` added to (or replacing in) this process's environment,
  // stdout and stderr going to out_file and err_file. pid() is -1 if the spawn failed.
  ChildProcess(const std::filesystem::path& binary, const std::vector<std::string>& args,
               const Env& env, std::filesystem::path out_file, std::filesystem::path err_file)
      : out_file_(std::move(out_file)), err_file_(std::move(err_file)) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      bool overridden = false;
      for (const auto& [name, value] : env) overridden |= entry.rfind(name + "=", 0) == 0;
      if (!overridden) env_strings.push_back(entry);
    }
    for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
    std::vector<std::string> argv_strings{binary.string()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());

    std::vector<char*> argv, envp;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    pid_ = pid;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait(10s);
    }
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !status_; }
  void signal(int sig) const {
    if (running()) ::kill(pid_, sig);
  }

  // The exit status (or 128 + signal) once the process ends, nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
      int raw = 0;
      pid_t r = ::waitpid(pid_, &raw, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        break;
      }
      if (r < 0 || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(10ms);
    }
    return status_;
  }

  // Waits until stdout holds a line starting with `prefix` and returns the rest of that
  // line; nullopt if the process exits first or on timeout.
  std::optional<std::string> wait_for_line(std::string_view prefix,
                                           std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      // Checked before reading, so that a line written just before exiting is still seen.
      bool last_look = !running() || wait(0ms) || std::chrono::steady_clock::now() > deadline;
      for (const std::string& line : lines_of(out())) {
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
      }
      if (last_look) return std::nullopt;
      std::this_thread::sleep_for(20ms);
    }
  }

  std::string out() const { return read_file(out_file_); }
  std::string err() const { return read_file(err_file_); }

 private:
  std::filesystem::path out_file_, err_file_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace smp::test
