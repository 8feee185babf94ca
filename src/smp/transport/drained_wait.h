// wait_readable_after_drain: waits until a TCP socket has input again, for a reader that has
// just taken everything the socket held (its last recv came back short of what it asked for,
// or with EAGAIN).
//
// Why: Asio's socket.async_wait(wait_read) cannot know that, so on epoll it re-arms the
// descriptor with an EPOLL_CTL_MOD on every call (a system call, and a poll of the socket) to
// be woken even for input that came before the wait. A drained socket needs no re-arm: the
// descriptor is registered edge-triggered, and Asio's reactor remembers, per descriptor,
// whether an edge has come since the last operation that found the socket exhausted. This
// wait is such an operation: it completes at once (no system call) when an edge came in the
// meantime, else it queues without touching epoll and completes on the next edge. The reader
// then reads; if that finds nothing (an edge for input it had already taken), it waits again,
// and that wait queues.
//
// The caller guarantees the drain: after a read that filled its buffer, more input may sit in
// the socket with no edge to come, and this wait would not end. Other readers (and other
// platforms, where Asio's reactor is not epoll) use socket.async_wait.
//
// Completes with the socket's error_code (operation_aborted when the socket is closed, as
// async_wait). On the socket's executor; one wait at a time per socket.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "smp/common/error.h"

namespace smp::transport {

boost::asio::awaitable<error_code> wait_readable_after_drain(boost::asio::ip::tcp::socket& socket);

}  // namespace smp::transport
