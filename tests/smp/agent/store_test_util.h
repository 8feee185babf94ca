// Helpers for the SQLite store tests: a temporary directory removed at the end of the test
// and a file's permission bits. Test-only; not thread-safe.
#pragma once

#include <filesystem>
#include <stdlib.h>
#include <string>
#include <sys/stat.h>
#include <system_error>

#include "smp/common/error.h"
#include "support/temp_dir.h"

namespace smp::agent::test {

using smp::test::TempDir;

// The permission bits of a file, or -1 when it does not exist.
inline int file_mode(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// The error of a Result expected to fail (errc::ok when it succeeded).
template <class R>
errc error_of(const R& r) {
  if (r) return errc::ok;
  if (r.error().category() != smp_category()) return static_cast<errc>(-1);
  return static_cast<errc>(r.error().value());
}

}  // namespace smp::agent::test
