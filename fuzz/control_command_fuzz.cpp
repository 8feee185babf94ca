// libFuzzer target for the control port's lines: the command parser, then a whole dialogue
// (control_session.h) over a server state with a few queues, as an admin. Each input is split
// into lines at '\n'. Garbage must be answered with one "error: " line, every answer must be
// whole lines, and nothing may crash or corrupt the stores.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "smp/server/control_session.h"
#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"
#include "smp/server/server_context.h"
#include "smp/server/server_ini.h"

namespace {

using namespace smp::server;

void check(bool condition) {
  if (!condition) std::abort();
}

void parse(std::string_view line) {
  auto c = parse_control_command(line);
  if (!c) {
    check(!c.error().message.empty());
    return;
  }
  using Kind = ControlCommand::Kind;
  if (c->kind == Kind::auth) check(is_valid_basic_auth(c->password));
  if (c->kind == Kind::delete_queue || c->kind == Kind::status || c->kind == Kind::block ||
      c->kind == Kind::unblock) {
    check(!c->queue_id.empty());
  }
}

// Queues whose sender ids are 24 bytes of 0x00, 0x01, 0x02 (base64url "AAAA…", "AQEB…",
// "AgIC…"), so that the fuzzer can reach them.
QueueRecord queue(std::uint8_t n) {
  QueueId rid{}, sid{};
  rid.fill(static_cast<std::uint8_t>(0x80 + n));
  sid.fill(n);
  smp::Bytes raw(32, static_cast<std::uint8_t>(n + 1));
  return QueueRecord{.recipient_id = rid,
                     .sender_id = sid,
                     .recipient_key = smp::crypto::PublicKey::from_raw(
                                          smp::crypto::KeyAlgorithm::ed25519, raw)
                                          .value(),
                     .recipient_dh_secret = *DhSecret25519::from(raw)};
}

void dialogue(std::string_view input) {
  // The stores are made once (they are large) and set back to the three queues each time.
  static QueueStore queues;
  static MessageStore messages;
  for (std::uint8_t n = 0; n < 3; ++n) {
    QueueRecord q = queue(n);
    (void)queues.remove(q.recipient_id);
    check(queues.add(q).has_value());
  }
  ServerContext ctx(ServerConfig{}, queues, messages, nullptr);
  ServerControl control(ctx, {.daily_block_quota = 2});
  const ControlPasswords passwords{"admin", "user"};
  ControlSession session(control, passwords);
  check(session.answer("auth admin").text == "Current role is CPRAdmin\n");
  while (!input.empty()) {
    std::size_t end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    ControlSession::Answer a = session.answer(line);
    check(a.text.empty() || a.text.back() == '\n');
    if (!parse_control_command(line)) check(a.text.rfind("error: ", 0) == 0);
    if (a.close) break;
  }
  check(queues.size() <= 3);
  check(session.role() == ControlRole::admin);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // every command is logged; not what is measured
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  parse(text);
  dialogue(text);
  return 0;
}
