// Console log format: timestamps for terminals and files, none (but a syslog priority) for
// the systemd journal, recognised by $JOURNAL_STREAM as systemd.exec(5) describes it.
#include "smp/common/console_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "support/temp_dir.h"

namespace smp {
namespace {

// An open file and the "<device>:<inode>" systemd would put in $JOURNAL_STREAM for it.
class OpenFile {
 public:
  explicit OpenFile(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  std::string journal_stream() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return "";
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  }

 private:
  int fd_;
};

TEST(JournalStream, MatchesTheDeviceAndInodeOfTheFd) {
  test::TempDir dir;
  OpenFile file(dir / "journal");
  ASSERT_GE(file.fd(), 0);
  EXPECT_TRUE(is_journal_stream(file.fd(), file.journal_stream().c_str()));
}

TEST(JournalStream, AnotherFileIsNotTheJournal) {
  test::TempDir dir;
  OpenFile journal(dir / "journal");
  OpenFile other(dir / "other");
  ASSERT_GE(journal.fd(), 0);
  ASSERT_GE(other.fd(), 0);
  // stdout redirected to a file by a service's own shell wrapper: the variable is inherited
  // but names the journal's stream, not this fd.
  EXPECT_FALSE(is_journal_stream(other.fd(), journal.journal_stream().c_str()));
}

TEST(JournalStream, UnsetEmptyOrMalformedIsNotTheJournal) {
  test::TempDir dir;
  OpenFile file(dir / "journal");
  ASSERT_GE(file.fd(), 0);
  const std::string good = file.journal_stream();
  const std::string device = good.substr(0, good.find(':'));
  const std::string inode = good.substr(good.find(':') + 1);
  EXPECT_FALSE(is_journal_stream(file.fd(), nullptr));
  for (const std::string& bad :
       {std::string(), std::string(":"), device, device + ":", ":" + inode, device + inode,
        device + ":" + inode + ":0", device + ":" + inode + "x", " " + good, device + ":-" + inode,
        device + ":+" + inode, device + ":99999999999999999999999"}) {
    EXPECT_FALSE(is_journal_stream(file.fd(), bad.c_str())) << "'" << bad << "'";
  }
}

TEST(JournalStream, AClosedFdIsNotTheJournal) {
  test::TempDir dir;
  std::string value;
  int fd = -1;
  {
    OpenFile file(dir / "journal");
    value = file.journal_stream();
    fd = file.fd();
  }
  EXPECT_FALSE(is_journal_stream(fd, value.c_str()));
}

std::string log_lines(bool journal) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger->set_level(spdlog::level::trace);
  set_console_format(*logger, journal);
  logger->debug("d {}", 1);
  logger->info("store log: {} lines read", 2);
  logger->warn("w");
  logger->error("e");
  logger->critical("c");
  logger->flush();
  return out.str();
}

TEST(ConsoleFormat, JournalLinesCarryThePriorityAndNoTimestamp) {
  // Priorities as sd-daemon(3): SD_DEBUG <7>, SD_INFO <6>, SD_WARNING <4>, SD_ERR <3>,
  // SD_CRIT <2>.
  EXPECT_EQ(log_lines(true),
            "<7>debug d 1\n"
            "<6>info store log: 2 lines read\n"
            "<4>warning w\n"
            "<3>error e\n"
            "<2>critical c\n");
}

TEST(ConsoleFormat, TerminalLinesStartWithDateAndTime) {
  const std::string text = log_lines(false);
  const std::regex line(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (debug|info|warning|error|critical) .*)");
  std::istringstream lines(text);
  int count = 0;
  for (std::string l; std::getline(lines, l); ++count) {
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    EXPECT_EQ(l.find('<'), std::string::npos) << l;
  }
  EXPECT_EQ(count, 5);
}

}  // namespace
}  // namespace smp
