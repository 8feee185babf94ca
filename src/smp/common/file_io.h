// POSIX file helpers for the store log, the saved messages and key files: an owned
// descriptor, whole writes, fsync of a file and of its directory, and AtomicFile (write
// <path>.tmp, fsync, rename over <path>, fsync the directory). errno becomes errc::io_error here, once.
// Not thread-safe objects; Fd and AtomicFile are move-only owners of their descriptor.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "smp/common/error.h"

namespace smp::file_io {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;  // closes quietly
  Result<void> close();   // errc::io_error if close(2) fails

 private:
  int fd_ = -1;
};

// O_RDWR | O_CREAT | O_APPEND (mode 0600): read access lets last_byte() look at the end.
Result<Fd> open_for_append(const std::filesystem::path& path);
// O_RDONLY, for reading from the start (advised sequential).
Result<Fd> open_for_reading(const std::filesystem::path& path);
// Reads until `size` bytes or the end of the file, retrying short reads and EINTR; returns
// how many were read (fewer than `size` only at the end of the file).
Result<std::size_t> read_up_to(int fd, char* data, std::size_t size);
// Writes all of `data`, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view data);
// fdatasync (data_only) or fsync.
Result<void> sync(int fd, bool data_only);
// fsync of the directory holding `path`, so a rename or creation in it is durable.
Result<void> sync_parent_dir(const std::filesystem::path& path);
// The last byte of the file, or -1 if it is empty.
Result<int> last_byte(int fd);

// Writes a file that replaces `path` only on commit(); on destruction without commit the
// temporary file is removed and `path` is untouched.
class AtomicFile {
 public:
  // Creates (truncating) <path>.tmp.
  static Result<AtomicFile> create(const std::filesystem::path& path);

  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Buffered; errors surface here or in commit().
  Result<void> write(std::string_view data);
  // Flush, fsync, close, rename over the target, fsync the directory.
  Result<void> commit();

 private:
  AtomicFile(std::filesystem::path path, std::filesystem::path tmp, Fd fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(std::move(fd)) {}
  Result<void> flush();

  std::filesystem::path path_;
  std::filesystem::path tmp_;
  Fd fd_;
  std::string buffer_;
  bool committed_ = false;
};

}  // namespace smp::file_io
