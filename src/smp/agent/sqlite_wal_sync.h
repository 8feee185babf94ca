// WalSync: makes what a Database in WAL mode has committed durable, from a thread of its own.
//
// With journal_mode = WAL and synchronous = NORMAL a commit appends its pages to the -wal file
// and returns without an fsync; SQLite syncs that file only before a checkpoint (and the
// database file after one). WalSync holds a second handle on the -wal file, opened through the
// connection's own VFS, and sync() fsyncs it: every transaction committed before sync() began
// is then on disk, whichever thread committed it. That is how one fsync covers many commits.
// The file itself never moves: SQLite keeps it while the connection is open (a checkpoint
// rewrites it from the start, it is not replaced), and deletes it only when the last
// connection closes.
//
// open() also syncs the directory holding the database once, so that a newly created database
// or -wal file has its name on disk too.
//
// Thread-safety: open() and the destructor must not run beside any use of the Database; sync()
// may run on one other thread at a time, beside the Database's use. Move-only. Must be
// destroyed before its Database is closed (the handle refers to the connection's file name).
// Errors: errc::io_error (the file cannot be opened or synced; the VFS's code is in the log).
#pragma once

#include <cstddef>
#include <memory>

#include "smp/agent/sqlite.h"
#include "smp/common/error.h"

struct sqlite3_file;

namespace smp::agent::sqlite {

class WalSync {
 public:
  // A WalSync for db's -wal file, synced once. An in-memory or read-only database (nothing to
  // make durable) gives one whose sync() does nothing. errc::wrong_state when the database is
  // not in WAL mode.
  static Result<WalSync> open(Database& db);

  WalSync() = default;
  ~WalSync();
  WalSync(WalSync&& o) noexcept;
  WalSync& operator=(WalSync&& o) noexcept;
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  // fsync of the -wal file (through the VFS's xSync).
  Result<void> sync();

 private:
  void close() noexcept;

  std::unique_ptr<std::byte[]> storage_;  // the VFS's file object (szOsFile bytes)
  sqlite3_file* file_ = nullptr;          // in storage_ once opened
};

}  // namespace smp::agent::sqlite
