// How the executables format their console log lines (spdlog): with a date and time for a
// terminal or a file, and without them when the stream is the systemd journal, which stamps
// each line itself. Journal lines start with the syslog priority ("<6>" for info), which
// journald reads as the entry's priority (sd-daemon(3)), so `journalctl -p warning` works.
//
// Thread-safe (no state of its own); set_console_format changes the logger it is given, so
// call it before the logger is shared with other threads.
#pragma once

#include <string_view>

#include <spdlog/logger.h>

namespace smp {

// True when `fd` is the stream journald reads: systemd passes a service's stdout and stderr
// to the journal and sets $JOURNAL_STREAM to "<device>:<inode>" (decimal) of that stream, so
// the fd is the journal exactly when its fstat has that device and inode. False for an unset,
// empty or malformed value, or a closed fd. `journal_stream` is the variable's value (null
// when unset).
bool is_journal_stream(int fd, const char* journal_stream);

// The same, with $JOURNAL_STREAM from the environment.
bool is_journal_stream(int fd);

// Gives every sink of `logger` the console format: "2026-11-26 10:00:00.123 info message"
// normally, "<6>info message" when `journal` is true.
void set_console_format(spdlog::logger& logger, bool journal);

}  // namespace smp
