// PowerLossVfs: a SQLite VFS over the default one that models what a power loss leaves on
// disk, for crash-consistency tests (open a store with StoreOptions::vfs = name()).
//
// Every write reaches its file at once, so the process reads back what it wrote; besides, each
// file's content as of its last successful xSync is kept in memory: what the disk holds after
// the power goes. lose_power() puts that content back into the files. The model:
//  - a file that exists when this VFS first opens it is on disk as it is; a file it creates
//    has no content on disk until it is synced (unsynced, it is gone after a power loss);
//  - a write or truncation of a file is on disk once that file is synced, through any handle;
//  - a deletion is on disk at once; directories are not modelled;
//  - the -shm files (SQLite's shared memory, no data) are left to the default VFS, and
//    lose_power() deletes them, as SQLite rebuilds them from the WAL.
// Syncs are numbered from 1 (by all files of this VFS). After fail_syncs_from(n), sync n and
// every later one fail with SQLITE_IOERR_FSYNC and keep nothing: the power went out at sync n.
// Writes after that still reach the files (the process runs on) but none can survive.
// The real files are never fsynced: nothing here is meant to survive a real power loss.
//
// Thread-safe. Registered (not as the default) under its name while it lives. REQUIRES: no
// file of this VFS is open while lose_power() runs, nor when it is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace smp::test {

class PowerLossVfs {
 public:
  explicit PowerLossVfs(std::string name);
  ~PowerLossVfs();
  PowerLossVfs(const PowerLossVfs&) = delete;
  PowerLossVfs& operator=(const PowerLossVfs&) = delete;

  const std::string& name() const;
  // Sync n (1-based) and every later one fail. 0: none does.
  void fail_syncs_from(std::uint64_t n);
  // Sync n alone fails, keeping nothing, and the power stays on: an fsync that returns an
  // error (what it had to write stays pending; a later sync may write it).
  void fail_one_sync(std::uint64_t n);
  // Syncs so far, failed or not: the next one is syncs() + 1.
  std::uint64_t syncs() const;
  // True once a sync has failed (the power is out).
  bool power_lost() const;
  // Every file this VFS has opened gets back what was on disk (and loses its -shm file); then
  // the count of syncs starts again from 0, with the power on and no failure planned.
  void lose_power();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace smp::test
