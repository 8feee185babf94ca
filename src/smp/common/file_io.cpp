#include "smp/common/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace smp::file_io {
namespace {

constexpr std::size_t kBufferSize = 1 << 16;

error_code io_error() { return make_error_code(errc::io_error); }

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> Fd::close() {
  int fd = release();
  if (fd >= 0 && ::close(fd) != 0) return io_error();
  return {};
}

Result<Fd> open_for_append(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return io_error();
  return Fd(fd);
}

Result<Fd> open_for_reading(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error();
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return Fd(fd);
}

Result<std::size_t> read_up_to(int fd, char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error();
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error();
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> sync(int fd, bool data_only) {
  int rc = data_only ? ::fdatasync(fd) : ::fsync(fd);
  if (rc != 0) return io_error();
  return {};
}

Result<void> sync_parent_dir(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error();
  if (::fsync(fd.get()) != 0) return io_error();
  return fd.close();
}

Result<int> last_byte(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error();
  if (st.st_size == 0) return -1;
  unsigned char c = 0;
  ssize_t n;
  do {
    n = ::pread(fd, &c, 1, st.st_size - 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return io_error();
  return static_cast<int>(c);
}

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error();
  return AtomicFile(path, std::move(tmp), Fd(fd));
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)),
      tmp_(std::move(o.tmp_)),
      fd_(std::move(o.fd_)),
      buffer_(std::move(o.buffer_)),
      committed_(o.committed_) {
  o.tmp_.clear();  // the moved-from object must not remove the file
}

AtomicFile::~AtomicFile() {
  if (!committed_ && !tmp_.empty()) {
    fd_.reset();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

Result<void> AtomicFile::flush() {
  if (!fd_.valid()) return io_error();
  auto r = write_all(fd_.get(), buffer_);
  buffer_.clear();
  return r;
}

Result<void> AtomicFile::write(std::string_view data) {
  if (buffer_.size() + data.size() > kBufferSize) {
    auto r = flush();
    if (!r) return r;
    if (data.size() > kBufferSize) return write_all(fd_.get(), data);
  }
  buffer_.append(data);
  return {};
}

Result<void> AtomicFile::commit() {
  auto r = flush();
  if (!r) return r;
  r = sync(fd_.get(), false);
  if (!r) return r;
  r = fd_.close();
  if (!r) return r;
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) return io_error();
  committed_ = true;
  return sync_parent_dir(path_);
}

}  // namespace smp::file_io
