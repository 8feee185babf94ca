// libFuzzer target for smp-server.ini: the ini reader and the settings checks. Garbage must be
// refused with a line number inside the text; accepted settings must survive a round trip
// through the file init writes (which names no ignored keys: they have no effect).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smp/server/server_ini.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

std::size_t count_lines(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ini = smp::server::parse_ini(text);
  if (!ini) {
    check(ini.error().line >= 1 && ini.error().line <= count_lines(text));
    return 0;
  }
  auto settings = smp::server::read_server_ini(*ini);
  if (!settings) {
    check(settings.error().line <= count_lines(text));
    check(!settings.error().message.empty());
    return 0;
  }
  auto again = smp::server::parse_server_ini(smp::server::format_server_ini(*settings));
  check(again.has_value());
  check(again->ignored_keys.empty());
  smp::server::ServerIniSettings effective = *settings;
  effective.ignored_keys.clear();
  check(*again == effective);
  return 0;
}
