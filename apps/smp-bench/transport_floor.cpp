// Plain POSIX sockets and epoll on purpose: the point is the kernel's share alone, with as
// little of anything else on the measured thread as a server can have.
#include "transport_floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "proc_stats.h"
#include "smp/common/file_io.h"
#include "smp/protocol/wire_format.h"

namespace smp::bench {

namespace {

using file_io::Fd;

// A TLS 1.3 record of one block: 5-byte header, the block, its inner content type, the tag.
constexpr std::size_t kWireBlock = 5 + protocol::kBlockSize + 1 + 16;
constexpr std::size_t kBatch = 200;
constexpr std::size_t kBatches = 7;
constexpr std::size_t kWarmup = 100;

bool send_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recv_all(int fd, std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Waits until `fd` is readable (the only descriptor the server expects next).
bool wait_readable(int epoll, int fd) {
  std::array<epoll_event, 2> events{};
  for (;;) {
    int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    for (int i = 0; i < n; ++i) {
      if (events[static_cast<std::size_t>(i)].data.fd == fd) return true;
    }
  }
}

void no_delay(int fd) {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// The four ends of the sender's and the recipient's connections over 127.0.0.1.
struct Connections {
  Fd client_sender, client_recipient, server_sender, server_recipient;
};

Result<Connections> connect_pair() {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return make_error_code(errc::network);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 2) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return make_error_code(errc::network);
  }
  auto connect_one = [&](Fd& client, Fd& server) {
    client = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!client.valid() ||
        ::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return false;
    }
    server = Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!server.valid()) return false;
    no_delay(client.get());
    no_delay(server.get());
    return true;
  };
  Connections c;
  if (!connect_one(c.client_sender, c.server_sender) ||
      !connect_one(c.client_recipient, c.server_recipient)) {
    return make_error_code(errc::network);
  }
  return c;
}

}  // namespace

Result<TransportFloor> measure_transport_floor() {
  auto conns = connect_pair();
  if (!conns) return conns.error();
  Connections& c = *conns;
  Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return make_error_code(errc::network);
  for (int fd : {c.server_sender.get(), c.server_recipient.get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      return make_error_code(errc::network);
    }
  }

  const std::size_t total = kWarmup + kBatch * kBatches;
  std::atomic<bool> failed{false};
  // On failure either side shuts the connections down, so that the other's blocking call
  // returns instead of waiting for a block that will not come.
  auto fail = [&] {
    failed = true;
    for (int fd : {c.client_sender.get(), c.client_recipient.get()}) ::shutdown(fd, SHUT_RDWR);
  };

  std::thread client([&] {
    std::vector<std::uint8_t> out(kWireBlock, 0x17), in(kWireBlock);
    for (std::size_t i = 0; i < total && !failed; ++i) {
      if (!send_all(c.client_sender.get(), out.data(), out.size()) ||      // SEND
          !recv_all(c.client_sender.get(), in.data(), in.size()) ||        // OK
          !recv_all(c.client_recipient.get(), in.data(), in.size()) ||     // MSG
          !send_all(c.client_recipient.get(), out.data(), out.size()) ||   // ACK
          !recv_all(c.client_recipient.get(), in.data(), in.size())) {     // OK
        fail();
      }
    }
  });

  std::vector<std::uint8_t> out(kWireBlock, 0x17), in(kWireBlock);
  std::array<double, kBatches> samples{};
  double batch_start = 0;
  const int sender = c.server_sender.get(), recipient = c.server_recipient.get();
  for (std::size_t i = 0; i < total && !failed; ++i) {
    if (i >= kWarmup && (i - kWarmup) % kBatch == 0) batch_start = thread_cpu_us();
    bool ok = wait_readable(epoll.get(), sender) && recv_all(sender, in.data(), in.size()) &&
              send_all(sender, out.data(), out.size()) &&
              send_all(recipient, out.data(), out.size()) &&
              wait_readable(epoll.get(), recipient) &&
              recv_all(recipient, in.data(), in.size()) &&
              send_all(recipient, out.data(), out.size());
    if (!ok) {
      fail();
      break;
    }
    if (i >= kWarmup && (i - kWarmup + 1) % kBatch == 0) {
      samples[(i - kWarmup) / kBatch] =
          (thread_cpu_us() - batch_start) / static_cast<double>(kBatch);
    }
  }
  client.join();
  if (failed) return make_error_code(errc::network);
  std::sort(samples.begin(), samples.end());
  return TransportFloor{kBatch, kWireBlock, samples[samples.size() / 2]};
}

TransportFloor average_transport_floor(const TransportFloor& a, const TransportFloor& b) {
  TransportFloor f = a;
  f.server_us = (a.server_us + b.server_us) / 2;
  return f;
}

}  // namespace smp::bench
