#include "startup.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "proc_stats.h"

extern char** environ;

namespace smp::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

error_code io_error() { return make_error_code(errc::io_error); }

// A temporary folder removed with everything in it on destruction.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "smp-bench-startup-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// `bin args...` with stdin from /dev/null, stdout to `out_fd` (or /dev/null if -1) and
// stderr to `err_file`; -1 if it cannot be spawned.
pid_t spawn(const fs::path& bin, const std::vector<std::string>& args, int out_fd,
            const fs::path& err_file) {
  std::vector<std::string> strings{bin.string()};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> dir_args(const fs::path& root) {
  return {"--config-dir", (root / "cfg").string(), "--log-dir", (root / "log").string()};
}

Result<void> init_server(const fs::path& bin, const fs::path& root, std::uint16_t port) {
  std::vector<std::string> args = dir_args(root);
  for (std::string a : {"init", "-l", "--ip", "127.0.0.1", "--host", "127.0.0.1", "--port"})
    args.push_back(a);
  args.push_back(std::to_string(port));
  pid_t pid = spawn(bin, args, -1, root / "init.err");
  if (pid < 0 || wait_exit(pid) != 0) return io_error();
  return {};
}

// Reads lines from `fd` until one starts with "Listening on port"; false on EOF or timeout.
bool wait_for_listening(int fd, Clock::time_point deadline) {
  std::string pending;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      if (pending.starts_with("Listening on port")) return true;
      pending.erase(0, nl + 1);
    }
  }
}

void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

Result<StartupRun> one_start(const fs::path& bin, const fs::path& root, const StartupOptions& o) {
  std::error_code ec;
  // What the previous start left (the compacted log and the backup the server keeps of the
  // log it read) goes: each run starts from the same files, and backups do not pile up.
  for (const auto& entry : fs::directory_iterator(root / "log", ec)) fs::remove_all(entry.path(), ec);
  fs::copy_file(o.store_log, root / "log" / "smp-server-store.log",
                fs::copy_options::overwrite_existing, ec);
  if (ec) return io_error();
  ::sync();  // the copy's dirty pages are written now, not during the start
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return io_error();
  std::vector<std::string> args = dir_args(root);
  args.push_back("start");
  Clock::time_point t0 = Clock::now();
  pid_t pid = spawn(bin, args, pipe_fds[1], root / "start.err");
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return io_error();
  }
  auto deadline = t0 + std::chrono::milliseconds(static_cast<long long>(o.timeout_s * 1000));
  bool listening = wait_for_listening(pipe_fds[0], deadline);
  Clock::time_point t1 = Clock::now();
  auto sample = sample_process(pid);
  ::kill(pid, listening ? SIGTERM : SIGKILL);
  drain(pipe_fds[0]);
  ::close(pipe_fds[0]);
  wait_exit(pid);
  if (!listening || !sample) return io_error();
  return StartupRun{.wall_s = std::chrono::duration<double>(t1 - t0).count(),
                    .cpu_s = static_cast<double>(sample->cpu.count()) / 1e6,
                    .rss_bytes = sample->rss_bytes};
}

}  // namespace

Result<std::vector<StartupRun>> run_startup(const StartupOptions& o) {
  if (o.server_bins.empty() || !fs::exists(o.store_log)) return io_error();
  TempFolder tmp;
  if (tmp.path().empty()) return io_error();
  if (auto r = init_server(o.server_bins.front(), tmp.path(), o.port); !r) return r.error();
  std::vector<StartupRun> runs;
  for (std::size_t round = 0; round < o.rounds; ++round) {
    for (std::size_t b = 0; b < o.server_bins.size(); ++b) {
      auto run = one_start(o.server_bins[b], tmp.path(), o);
      if (!run) return run.error();
      run->bin = b;
      if (!o.quiet) {
        fmt::print(stderr, "round {} bin {}: {:.3f} s wall, {:.3f} s CPU, RSS {} KB\n", round + 1,
                   b, run->wall_s, run->cpu_s, run->rss_bytes / 1024);
      }
      runs.push_back(*run);
    }
  }
  return runs;
}

}  // namespace smp::bench
