// RawSocket: a plain blocking TCP connection to 127.0.0.1 that speaks no protocol, for tests
// that send a server bytes no real client would (garbage, half a TLS record, a handshake one
// byte at a time) and then watch whether it hangs up. Closes on destruction. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>

#include "smp/common/bytes.h"

namespace smp::test {

// Reads and discards from `fd` until the peer closes (true) or `timeout` passes (false).
inline bool wait_fd_closed(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint8_t buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0) return false;
    if (ready == 0) continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;  // EOF or reset
  }
}

class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  RawSocket(RawSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  RawSocket& operator=(RawSocket&&) = delete;
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  ~RawSocket() { close(); }

  bool connected() const { return fd_ >= 0; }
  // The descriptor, for a caller that reads by itself; -1 when closed.
  int fd() const { return fd_; }

  // Writes all of `bytes`; false if the peer is gone.
  bool write(ByteView bytes) {
    std::size_t done = 0;
    while (fd_ >= 0 && done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return fd_ >= 0;
  }

  // Reads and discards until the peer closes (true) or `timeout` passes (false).
  bool wait_closed(std::chrono::milliseconds timeout) {
    return fd_ < 0 || wait_fd_closed(fd_, timeout);
  }

  // True if the peer has closed already (does not wait).
  bool peer_closed() { return wait_closed(std::chrono::milliseconds(1)); }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace smp::test
