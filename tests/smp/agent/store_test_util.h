// Helpers for the SQLite store tests: a temporary directory removed at the end of the test
// and a file's permission bits. Test-only; not thread-safe.
#pragma once

#include <filesystem>
#include <stdlib.h>
#include <string>
#include <sys/stat.h>
#include <system_error>

#include "smp/common/error.h"

namespace smp::agent::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smp-agent-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

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
