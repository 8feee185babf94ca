#include "smp/protocol/queue_info.h"

#include <array>
#include <chrono>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "smp/encoding/base64.h"
#include "smp/encoding/iso8601.h"

namespace smp::protocol {
namespace {

namespace json = boost::json;

// enumJSON (dropPrefix "Q") of QSubThread, in the enum's order.
constexpr std::array<std::string_view, 4> kSubThreadNames{"noSub", "subPending", "subThread",
                                                          "prohibitSub"};

// ISO 8601 UTC with whole seconds, as aeson writes a UTCTime without a fraction (the year in
// four digits, as aeson pads it).
std::string iso_seconds(std::int64_t seconds) {
  using namespace std::chrono;
  const sys_seconds t{std::chrono::seconds(seconds)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<std::chrono::seconds> time(t - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

void append_bool(std::string& out, std::string_view name, bool value) {
  out += '"';
  out += name;
  out += "\":";
  out += value ? "true" : "false";
}

std::optional<bool> bool_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

// A text field; nullopt when absent or null (omitNothingFields), error when of another type.
Result<std::optional<std::string_view>> text_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string_view>{};
  if (!v->is_string()) return make_error_code(errc::response_parse);
  return std::optional<std::string_view>(v->as_string());
}

Result<Bytes> base64_field(std::string_view text) {
  auto bytes = enc::b64_decode(text);
  if (!bytes) return make_error_code(errc::response_parse);
  return std::move(*bytes);
}

Result<QueueInfo::Sub> parse_sub(const json::value& v) {
  if (!v.is_object()) return make_error_code(errc::response_parse);
  const json::object& o = v.as_object();
  auto thread = text_field(o, "qSubThread");
  if (!thread || !*thread) return make_error_code(errc::response_parse);
  QueueInfo::Sub sub;
  std::size_t i = 0;
  while (i < kSubThreadNames.size() && kSubThreadNames[i] != **thread) ++i;
  if (i == kSubThreadNames.size()) return make_error_code(errc::response_parse);
  sub.thread = static_cast<QueueInfo::SubThread>(i);
  auto delivered = text_field(o, "qDelivered");
  if (!delivered) return delivered.error();
  if (*delivered) {
    auto id = base64_field(**delivered);
    if (!id) return id.error();
    sub.delivered_msg_id = std::move(*id);
  }
  return sub;
}

Result<QueueInfo::Msg> parse_msg(const json::value& v) {
  if (!v.is_object()) return make_error_code(errc::response_parse);
  const json::object& o = v.as_object();
  auto id = text_field(o, "msgId");
  auto ts = text_field(o, "msgTs");
  auto type = text_field(o, "msgType");
  if (!id || !*id || !ts || !*ts || !type || !*type) return make_error_code(errc::response_parse);
  QueueInfo::Msg m;
  auto msg_id = base64_field(**id);
  if (!msg_id) return msg_id.error();
  m.msg_id = std::move(*msg_id);
  auto time = enc::parse_iso8601(**ts);
  if (!time) return make_error_code(errc::response_parse);
  m.timestamp = std::chrono::floor<std::chrono::seconds>(*time).time_since_epoch().count();
  if (**type == "quota") {
    m.quota = true;
  } else if (**type != "message") {
    return make_error_code(errc::response_parse);
  }
  return m;
}

}  // namespace

std::string encode_queue_info(const QueueInfo& info) {
  std::string out = "{";
  append_bool(out, "qiSnd", info.sender_secured);
  out += ',';
  append_bool(out, "qiNtf", info.notifier);
  if (info.sub) {
    out += ",\"qiSub\":{\"qSubThread\":\"";
    out += kSubThreadNames[static_cast<std::size_t>(info.sub->thread)];
    out += '"';
    if (info.sub->delivered_msg_id) {
      out += ",\"qDelivered\":\"" + enc::b64_encode(*info.sub->delivered_msg_id) + "\"";
    }
    out += '}';
  }
  out += ",\"qiSize\":" + std::to_string(info.size);
  if (info.message) {
    out += ",\"qiMsg\":{\"msgId\":\"" + enc::b64_encode(info.message->msg_id) + "\",\"msgTs\":\"" +
           iso_seconds(info.message->timestamp) + "\",\"msgType\":\"" +
           (info.message->quota ? "quota" : "message") + "\"}";
  }
  out += '}';
  return out;
}

Result<QueueInfo> parse_queue_info(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return make_error_code(errc::response_parse);
  const json::object& o = v.as_object();
  QueueInfo info;
  auto snd = bool_field(o, "qiSnd");
  auto ntf = bool_field(o, "qiNtf");
  const json::value* size = o.if_contains("qiSize");
  if (!snd || !ntf || size == nullptr) return make_error_code(errc::response_parse);
  info.sender_secured = *snd;
  info.notifier = *ntf;
  info.size = size->to_number<std::uint64_t>(ec);
  if (ec) return make_error_code(errc::response_parse);
  if (const json::value* sub = o.if_contains("qiSub"); sub && !sub->is_null()) {
    auto parsed = parse_sub(*sub);
    if (!parsed) return parsed.error();
    info.sub = std::move(*parsed);
  }
  if (const json::value* m = o.if_contains("qiMsg"); m && !m->is_null()) {
    auto parsed = parse_msg(*m);
    if (!parsed) return parsed.error();
    info.message = std::move(*parsed);
  }
  return info;
}

}  // namespace smp::protocol
