#include "support/power_loss_vfs.h"

#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

#include <sqlite3.h>

namespace smp::test {

namespace {

struct WriteOp {
  std::int64_t offset;
  std::vector<unsigned char> bytes;
};
struct TruncateOp {
  std::int64_t size;
};
using FileOp = std::variant<WriteOp, TruncateOp>;

// One path's durable content and what was done to it since its last sync.
struct FileState {
  std::optional<std::vector<unsigned char>> durable;  // nullopt: not on disk
  std::vector<FileOp> pending;
};

void apply(std::vector<unsigned char>& image, const FileOp& op) {
  if (const auto* w = std::get_if<WriteOp>(&op)) {
    const auto end = static_cast<std::size_t>(w->offset) + w->bytes.size();
    if (image.size() < end) image.resize(end);
    std::memcpy(image.data() + w->offset, w->bytes.data(), w->bytes.size());
  } else {
    image.resize(static_cast<std::size_t>(std::get<TruncateOp>(op).size));
  }
}

std::optional<std::vector<unsigned char>> read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>());
}

}  // namespace

struct PowerLossVfs::Impl {
  std::string name;
  sqlite3_vfs vfs{};
  sqlite3_vfs* base = nullptr;

  std::mutex mutex;  // guards what follows
  std::map<std::string, FileState> files;
  std::uint64_t attempts = 0;  // syncs tried
  std::uint64_t fail_from = 0;
  std::uint64_t fail_once = 0;
  bool lost = false;

  void record(const std::string& path, FileOp op) {
    std::lock_guard lock(mutex);
    if (lost) return;
    files[path].pending.push_back(std::move(op));
  }

  // SQLITE_OK and the pending operations on disk, or the power goes out.
  int sync(const std::string& path) {
    std::lock_guard lock(mutex);
    ++attempts;
    if (lost || (fail_from != 0 && attempts >= fail_from)) {
      lost = true;
      return SQLITE_IOERR_FSYNC;
    }
    if (attempts == fail_once) return SQLITE_IOERR_FSYNC;
    FileState& f = files[path];
    if (!f.durable) f.durable.emplace();
    for (const FileOp& op : f.pending) apply(*f.durable, op);
    f.pending.clear();
    return SQLITE_OK;
  }
};

namespace {

using Impl = PowerLossVfs::Impl;

// Our file object; the default VFS's follows it in the same allocation.
struct File {
  sqlite3_file base;
  Impl* vfs;
  std::string path;  // empty for a temporary file (not modelled)
  sqlite3_file* real;
};

constexpr std::size_t kRealOffset = (sizeof(File) + 15) / 16 * 16;

File* file_of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return file_of(f)->real; }
const sqlite3_io_methods* real_methods(sqlite3_file* f) { return real_of(f)->pMethods; }

int x_close(sqlite3_file* f) {
  int rc = real_methods(f)->xClose(real_of(f));
  file_of(f)->~File();
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 offset) {
  return real_methods(f)->xRead(real_of(f), buf, n, offset);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 offset) {
  int rc = real_methods(f)->xWrite(real_of(f), buf, n, offset);
  File* file = file_of(f);
  if (rc == SQLITE_OK && !file->path.empty()) {
    const auto* bytes = static_cast<const unsigned char*>(buf);
    file->vfs->record(file->path, WriteOp{offset, std::vector<unsigned char>(bytes, bytes + n)});
  }
  return rc;
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  int rc = real_methods(f)->xTruncate(real_of(f), size);
  File* file = file_of(f);
  if (rc == SQLITE_OK && !file->path.empty()) file->vfs->record(file->path, TruncateOp{size});
  return rc;
}
int x_sync(sqlite3_file* f, int) {
  File* file = file_of(f);
  if (file->path.empty()) return SQLITE_OK;
  return file->vfs->sync(file->path);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_methods(f)->xFileSize(real_of(f), size);
}
int x_lock(sqlite3_file* f, int level) { return real_methods(f)->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_methods(f)->xUnlock(real_of(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(f)->xCheckReservedLock(real_of(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return real_methods(f)->xFileControl(real_of(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return real_methods(f)->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) {
  return real_methods(f)->xDeviceCharacteristics(real_of(f));
}
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (real_methods(f)->iVersion < 2) return SQLITE_IOERR;
  return real_methods(f)->xShmMap(real_of(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (real_methods(f)->iVersion < 2) return SQLITE_IOERR;
  return real_methods(f)->xShmLock(real_of(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  if (real_methods(f)->iVersion >= 2) real_methods(f)->xShmBarrier(real_of(f));
}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  if (real_methods(f)->iVersion < 2) return SQLITE_OK;
  return real_methods(f)->xShmUnmap(real_of(f), delete_flag);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  *out = nullptr;
  if (real_methods(f)->iVersion < 3) return SQLITE_OK;
  return real_methods(f)->xFetch(real_of(f), offset, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  if (real_methods(f)->iVersion < 3) return SQLITE_OK;
  return real_methods(f)->xUnfetch(real_of(f), offset, p);
}

const sqlite3_io_methods kMethods = {
    3,           x_close,     x_read,
    x_write,     x_truncate,  x_sync,
    x_file_size, x_lock,      x_unlock,
    x_check_reserved_lock,    x_file_control,
    x_sector_size,            x_device_characteristics,
    x_shm_map,   x_shm_lock,  x_shm_barrier,
    x_shm_unmap, x_fetch,     x_unfetch,
};

Impl* impl_of(sqlite3_vfs* vfs) { return static_cast<Impl*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* out, int flags, int* out_flags) {
  Impl* impl = impl_of(vfs);
  // Temporary files (no name, or deleted on close) are left out of the model.
  std::string path = name != nullptr && (flags & SQLITE_OPEN_DELETEONCLOSE) == 0 ? name : "";
  // Before the default VFS perhaps creates it: whether it is on disk already.
  std::optional<std::vector<unsigned char>> existing;
  if (!path.empty()) existing = read_file(path);
  auto* file = new (out) File{{nullptr}, impl, path, nullptr};
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + kRealOffset);
  std::memset(file->real, 0, static_cast<std::size_t>(impl->base->szOsFile));
  int rc = impl->base->xOpen(impl->base, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (file->real->pMethods != nullptr) file->real->pMethods->xClose(file->real);
    file->~File();
    out->pMethods = nullptr;
    return rc;
  }
  if (!path.empty()) {
    std::lock_guard lock(impl->mutex);
    if (!impl->files.contains(path)) impl->files[path].durable = std::move(existing);
  }
  out->pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  Impl* impl = impl_of(vfs);
  int rc = impl->base->xDelete(impl->base, name, sync_dir);
  if (rc == SQLITE_OK) {
    std::lock_guard lock(impl->mutex);
    if (!impl->lost) impl->files[name] = FileState{};
  }
  return rc;
}
int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return impl_of(vfs)->base->xAccess(impl_of(vfs)->base, name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return impl_of(vfs)->base->xFullPathname(impl_of(vfs)->base, name, n, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return impl_of(vfs)->base->xDlOpen(impl_of(vfs)->base, name);
}
void x_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  impl_of(vfs)->base->xDlError(impl_of(vfs)->base, n, out);
}
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return impl_of(vfs)->base->xDlSym(impl_of(vfs)->base, handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  impl_of(vfs)->base->xDlClose(impl_of(vfs)->base, handle);
}
int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
  return impl_of(vfs)->base->xRandomness(impl_of(vfs)->base, n, out);
}
int x_sleep(sqlite3_vfs* vfs, int micros) {
  return impl_of(vfs)->base->xSleep(impl_of(vfs)->base, micros);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
  return impl_of(vfs)->base->xCurrentTime(impl_of(vfs)->base, out);
}
int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  return impl_of(vfs)->base->xGetLastError(impl_of(vfs)->base, n, out);
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return impl_of(vfs)->base->xCurrentTimeInt64(impl_of(vfs)->base, out);
}

}  // namespace

PowerLossVfs::PowerLossVfs(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->base = sqlite3_vfs_find(nullptr);
  if (impl_->base == nullptr || impl_->base->iVersion < 2) {
    throw std::runtime_error("no default SQLite VFS to wrap");
  }
  sqlite3_vfs& v = impl_->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(kRealOffset) + impl_->base->szOsFile;
  v.mxPathname = impl_->base->mxPathname;
  v.zName = impl_->name.c_str();
  v.pAppData = impl_.get();
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) {
    throw std::runtime_error("cannot register the SQLite VFS " + impl_->name);
  }
}

PowerLossVfs::~PowerLossVfs() { sqlite3_vfs_unregister(&impl_->vfs); }

const std::string& PowerLossVfs::name() const { return impl_->name; }

void PowerLossVfs::fail_syncs_from(std::uint64_t n) {
  std::lock_guard lock(impl_->mutex);
  impl_->fail_from = n;
}

void PowerLossVfs::fail_one_sync(std::uint64_t n) {
  std::lock_guard lock(impl_->mutex);
  impl_->fail_once = n;
}

std::uint64_t PowerLossVfs::syncs() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->attempts;
}

bool PowerLossVfs::power_lost() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->lost;
}

void PowerLossVfs::lose_power() {
  std::lock_guard lock(impl_->mutex);
  std::error_code ec;
  for (const auto& [path, state] : impl_->files) {
    if (state.durable) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(state.durable->data()),
                static_cast<std::streamsize>(state.durable->size()));
    } else {
      std::filesystem::remove(path, ec);
    }
    std::filesystem::remove(path + "-shm", ec);
  }
  impl_->files.clear();
  impl_->attempts = 0;
  impl_->fail_from = 0;
  impl_->fail_once = 0;
  impl_->lost = false;
}

}  // namespace smp::test
