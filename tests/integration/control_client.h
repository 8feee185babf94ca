// ControlClient: a plain TCP connection (a RawSocket) to the server's control port on
// 127.0.0.1, as an operator's `nc 127.0.0.1 5224` would be: write lines, read answer lines
// with a timeout. Closes on destruction. Not thread-safe.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raw_socket.h"
#include "smp/common/bytes.h"

namespace smp::test {

class ControlClient {
 public:
  explicit ControlClient(std::uint16_t port) : socket_(port) {}

  bool connected() const { return socket_.connected(); }

  // Writes `text` as it is; false if the server is gone.
  bool write(std::string_view text) { return socket_.write(as_bytes(text)); }
  bool send_line(std::string_view line) { return write(std::string(line) + "\n"); }

  // The next line without its '\n'; nullopt when the server closes or nothing comes in time.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  // `n` lines; fewer when the connection ends or times out first.
  std::vector<std::string> read_lines(std::size_t n,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::vector<std::string> lines;
    while (lines.size() < n) {
      auto line = read_line(timeout);
      if (!line) break;
      lines.push_back(std::move(*line));
    }
    return lines;
  }

  // A command and its one-line answer.
  std::string ask(std::string_view line) {
    send_line(line);
    return read_line().value_or("<no answer>");
  }

  // True if the server closes the connection within `timeout` (what arrives meanwhile is
  // kept for read_line).
  bool wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (fill(deadline)) {
    }
    return eof_;
  }

  void close() { socket_.close(); }

 private:
  // Reads what is available into buffer_; false on end of stream, error or deadline.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    const int fd = socket_.fd();
    if (fd < 0 || eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  RawSocket socket_;
  bool eof_ = false;
  std::string buffer_;
};

}  // namespace smp::test
