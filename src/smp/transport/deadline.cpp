#include "smp/transport/deadline.h"

#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace smp::transport::detail {

net::awaitable<void> watchdog(net::steady_timer& timer, std::function<void()> on_expiry) {
  co_await timer.async_wait(net::use_awaitable);  // throws operation_aborted when cancelled
  on_expiry();
}

void log_cancelled(const std::exception& e) {
  spdlog::debug("operation with deadline cancelled: {}", e.what());
}

}  // namespace smp::transport::detail
