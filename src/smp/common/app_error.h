// AppError: why an application command (smp-server, smp-agent) could not go on, as the one
// line the operator reads (naming the file, setting or port at fault). Used where a bare error
// code would not say enough; library APIs keep returning Result<T>.
//
// Plain copyable values; thread-safe.
#pragma once

#include <boost/system/result.hpp>
#include <string>

namespace smp {

struct AppError {
  std::string message;
};

template <class T>
using AppResult = boost::system::result<T, AppError>;

}  // namespace smp
