// libFuzzer target for the server's text files: store log lines of every record the
// reference 6.5.5 writes and of SMP v1 (parse_store_log_line), and saved-message lines in
// the reference's MLRv3 form and our earlier one (parse_saved_message). The first input byte
// picks the parser. Garbage must fail cleanly; whatever parses must format to a line that
// parses to the same record and formats to the same text again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smp/server/message_log.h"
#include "smp/server/store_log.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void store_log_line(std::string_view text) {
  auto rec = smp::server::parse_store_log_line(text);
  if (!rec) return;
  std::string line = smp::server::format_store_log_record(rec.value());
  check(line.find('\n') == std::string::npos);
  auto again = smp::server::parse_store_log_line(line);
  check(again.has_value());
  check(again.value().index() == rec.value().index());
  check(smp::server::format_store_log_record(again.value()) == line);
}

void saved_message_line(std::string_view text) {
  auto saved = smp::server::parse_saved_message(text);
  if (!saved) return;
  const auto& s = saved.value();
  check(s.message.is_quota() == (s.message.body == nullptr));
  std::string line = smp::server::format_saved_message(s.rid, s.message);
  check(line.find('\n') == std::string::npos);
  // A line of the earlier format carries the body still encrypted (up to 16106 bytes, more
  // than a message may have): it is decrypted before it is written again, not re-read.
  if (s.server_encrypted) return;
  auto again = smp::server::parse_saved_message(line);
  check(again.has_value());
  const auto& a = again.value();
  check(a.rid == s.rid && a.message.id == s.message.id &&
        a.message.timestamp == s.message.timestamp && a.message.flags == s.message.flags &&
        a.message.kind == s.message.kind);
  check(!a.message.body || *a.message.body == *s.message.body);
  check(smp::server::format_saved_message(a.rid, a.message) == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    store_log_line(text);
  } else {
    saved_message_line(text);
  }
  return 0;
}
