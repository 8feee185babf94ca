#include "smp/agent/sqlite_wal_sync.h"

#include <fcntl.h>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <utility>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

namespace smp::agent::sqlite {

namespace {

// fsync of the directory `dir`, so that the names of files created in it are on disk.
bool sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

Result<std::string> journal_mode(Database& db) {
  auto st = db.prepare("PRAGMA journal_mode");
  if (!st) return st.error();
  if (auto r = st->step_row(); !r) return r.error();
  return st->column_text(0);
}

}  // namespace

Result<WalSync> WalSync::open(Database& db) {
  sqlite3* handle = db.native_handle();
  if (handle == nullptr) return make_error_code(errc::io_error);
  const char* name = sqlite3_db_filename(handle, "main");
  // In memory (the name is empty) or read-only: there is nothing to make durable.
  if (db.read_only() || name == nullptr || *name == '\0') return WalSync{};
  auto mode = journal_mode(db);
  if (!mode) return mode.error();
  if (*mode != "wal") return db.fail(errc::wrong_state, "the database is not in WAL mode");

  sqlite3_vfs* vfs = nullptr;
  if (sqlite3_file_control(handle, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK ||
      vfs == nullptr) {
    return db.fail(errc::io_error, "cannot find the database's VFS");
  }
  WalSync w;
  // Zeroed, so that pMethods stays null unless xOpen sets it.
  w.storage_ = std::make_unique<std::byte[]>(static_cast<std::size_t>(vfs->szOsFile));
  auto* file = reinterpret_cast<sqlite3_file*>(w.storage_.get());
  int flags_out = 0;
  // The name SQLite itself opens the -wal file with (it also locates the database's name).
  int rc = vfs->xOpen(vfs, sqlite3_filename_wal(name), file,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_WAL, &flags_out);
  // A VFS that set pMethods expects xClose even after a failed xOpen.
  if (file->pMethods != nullptr) w.file_ = file;
  if (rc != SQLITE_OK) {
    return db.fail(errc::io_error, std::string("cannot open the WAL file: ") + sqlite3_errstr(rc));
  }
  if (!sync_directory(std::filesystem::path(name).parent_path())) {
    return db.fail(errc::io_error, "cannot sync the database's directory");
  }
  if (auto r = w.sync(); !r) return db.fail(errc::io_error, "cannot sync the WAL file");
  return w;
}

WalSync::~WalSync() { close(); }

WalSync::WalSync(WalSync&& o) noexcept
    : storage_(std::move(o.storage_)), file_(std::exchange(o.file_, nullptr)) {}

WalSync& WalSync::operator=(WalSync&& o) noexcept {
  if (this != &o) {
    close();
    storage_ = std::move(o.storage_);
    file_ = std::exchange(o.file_, nullptr);
  }
  return *this;
}

void WalSync::close() noexcept {
  if (file_ != nullptr) file_->pMethods->xClose(file_);
  file_ = nullptr;
  storage_.reset();
}

Result<void> WalSync::sync() {
  if (file_ == nullptr) return {};
  int rc = file_->pMethods->xSync(file_, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    spdlog::error("agent store: fsync of the WAL file failed: {}", sqlite3_errstr(rc));
    return make_error_code(errc::io_error);
  }
  return {};
}

}  // namespace smp::agent::sqlite
