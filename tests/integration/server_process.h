// The smp-server binary for the process-level tests, run through ChildProcess
// (child_process.h). Not thread-safe.
#pragma once

#include <filesystem>

#include "child_process.h"

namespace smp::test {

inline std::filesystem::path smp_server_binary() {
  return std::filesystem::path(SMP_BIN_DIR) / "smp-server";
}

}  // namespace smp::test
