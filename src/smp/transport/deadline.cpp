#include "smp/transport/deadline.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace smp::transport::detail {

net::awaitable<bool> watchdog(net::steady_timer& timer, std::function<void()> on_expiry) {
  auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  if (ec) co_return false;
  on_expiry();
  co_return true;
}

void log_cancelled(const std::exception& e) {
  spdlog::debug("operation with deadline cancelled: {}", e.what());
}

}  // namespace smp::transport::detail
