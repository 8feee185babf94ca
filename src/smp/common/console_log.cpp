#include "smp/common/console_log.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/pattern_formatter.h>

namespace smp {

namespace {

constexpr char kJournalStreamEnv[] = "JOURNAL_STREAM";
constexpr char kTerminalPattern[] = "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v";
constexpr char kJournalPattern[] = "%*%l %v";  // %* is JournalPriority below

// The decimal number that is all of `text`, or nothing.
bool parse_decimal(std::string_view text, unsigned long long& value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// The syslog priority prefix of sd-daemon(3) (SD_DEBUG "<7>" ... SD_CRIT "<2>").
std::string_view priority_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "<7>";
    case spdlog::level::info:
      return "<6>";
    case spdlog::level::warn:
      return "<4>";
    case spdlog::level::err:
      return "<3>";
    case spdlog::level::critical:
      return "<2>";
    case spdlog::level::off:
    case spdlog::level::n_levels:
      break;
  }
  return "<6>";
}

class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view prefix = priority_prefix(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriority>();
  }
};

}  // namespace

bool is_journal_stream(int fd, const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  std::string_view value(journal_stream);
  std::size_t colon = value.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long device = 0, inode = 0;
  if (!parse_decimal(value.substr(0, colon), device) ||
      !parse_decimal(value.substr(colon + 1), inode)) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

bool is_journal_stream(int fd) { return is_journal_stream(fd, std::getenv(kJournalStreamEnv)); }

void set_console_format(spdlog::logger& logger, bool journal) {
  if (!journal) {
    logger.set_pattern(kTerminalPattern);
    return;
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JournalPriority>('*').set_pattern(kJournalPattern);
  logger.set_formatter(std::move(formatter));
}

}  // namespace smp
