#include "smp/transport/drained_wait.h"

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/version.hpp>

// The epoll path drives Asio's reactor directly: it is written against Boost 1.81's
// reactor (start_op with allow_speculative, done_and_exhausted), the version this project
// builds with. Any other version or reactor takes async_wait.
#if defined(BOOST_ASIO_HAS_EPOLL) && BOOST_VERSION == 108100
#define SMP_DRAINED_WAIT_EPOLL 1
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#endif

namespace smp::transport {

namespace net = boost::asio;
using Tcp = net::ip::tcp;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

#ifdef SMP_DRAINED_WAIT_EPOLL
namespace asio_detail = boost::asio::detail;

// The socket's reactor state (descriptor and per-descriptor data) is a protected member of
// basic_socket; a pointer to it formed through a derived class reads it.
struct SocketInternals : Tcp::socket {
  static auto& implementation(Tcp::socket& socket) {
    return (socket.*(&SocketInternals::impl_)).get_implementation();
  }
};

// A read-side reactor operation that performs no I/O and reports the socket exhausted: the
// reactor then clears its "edge seen" mark, so the next such wait queues without epoll_ctl.
template <class Handler, class IoExecutor>
class DrainedWaitOp : public asio_detail::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(DrainedWaitOp);

  DrainedWaitOp(Handler& handler, const IoExecutor& io_ex)
      : reactor_op(boost::system::error_code(), &DrainedWaitOp::do_perform,
                   &DrainedWaitOp::do_complete),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(reactor_op*) { return done_and_exhausted; }

  // `owner` is null when the io_context is destroyed with the wait pending: free, no call.
  static void do_complete(void* owner, asio_detail::operation* base,
                          const boost::system::error_code&, std::size_t) {
    auto* o = static_cast<DrainedWaitOp*>(base);
    ptr p = {std::addressof(o->handler_), o, o};
    asio_detail::handler_work<Handler, IoExecutor> work(std::move(o->work_));
    // The handler is moved out before the operation's memory is freed, then called.
    asio_detail::binder1<Handler, boost::system::error_code> call(o->handler_, o->ec_);
    p.h = std::addressof(call.handler_);
    p.reset();
    if (owner) {
      asio_detail::fenced_block fence(asio_detail::fenced_block::half);
      work.complete(call, call.handler_);
    }
  }

 private:
  Handler handler_;
  asio_detail::handler_work<Handler, IoExecutor> work_;
};

struct InitiateDrainedWait {
  template <class Handler>
  void operator()(Handler&& handler, Tcp::socket* socket) const {
    using HandlerType = std::decay_t<Handler>;
    using IoExecutor = Tcp::socket::executor_type;
    using Op = DrainedWaitOp<HandlerType, IoExecutor>;
    auto& impl = SocketInternals::implementation(*socket);
    auto& reactor = net::use_service<asio_detail::reactor>(
        net::query(socket->get_executor(), net::execution::context));
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    typename Op::ptr p = {std::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(handler, socket->get_executor());
    // allow_speculative: with an edge since the last exhausted operation, the reactor
    // "performs" it at once and posts the completion; otherwise it queues it for the next
    // edge. No epoll_ctl either way (for a read; the descriptor is registered for input).
    reactor.start_op(asio_detail::reactor::read_op, impl.socket_, impl.reactor_data_, p.p,
                     is_continuation, true);
    p.v = p.p = nullptr;
  }
};
#endif

}  // namespace

net::awaitable<error_code> wait_readable_after_drain(Tcp::socket& socket) {
#ifdef SMP_DRAINED_WAIT_EPOLL
  auto [ec] = co_await net::async_initiate<decltype(kUseTuple), void(boost::system::error_code)>(
      InitiateDrainedWait{}, kUseTuple, &socket);
#else
  auto [ec] = co_await socket.async_wait(Tcp::socket::wait_read, kUseTuple);
#endif
  co_return ec;
}

}  // namespace smp::transport
