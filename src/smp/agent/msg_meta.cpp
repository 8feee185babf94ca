#include "smp/agent/msg_meta.h"

#include <limits>
#include <optional>

#include "smp/common/overloaded.h"
#include "smp/common/try.h"
#include "smp/encoding/base64.h"

namespace smp::agent {
namespace {

constexpr std::string_view kOk = "OK";
constexpr std::string_view kErr = "ERR ";
constexpr std::string_view kBadId = "ID ";
constexpr std::string_view kSkipped = "NO_ID ";
constexpr std::string_view kSkippedParsed = "IDS ";  // what the reference's parser expects
constexpr std::string_view kBadHash = "HASH";
constexpr std::string_view kDuplicate = "DUPLICATE";

bool strip(std::string_view& in, std::string_view prefix) {
  if (!in.starts_with(prefix)) return false;
  in.remove_prefix(prefix.size());
  return true;
}

Result<std::string> id_text(std::int64_t id) {
  if (id < 0) return make_error_code(errc::bad_syntax);
  return std::to_string(id);
}

// <id>,<ts> with the id already written by the caller.
Result<std::string> party_meta(std::string id, enc::Timestamp ts) {
  SMP_TRY(std::string time, enc::format_iso8601_millis(ts));
  return id + "," + time;
}

std::optional<MsgSkipped> skipped(std::string_view& in) {
  auto from = parse_decimal_id(in);
  if (!from || !strip(in, " ")) return std::nullopt;
  auto to = parse_decimal_id(in);
  if (!to) return std::nullopt;
  return MsgSkipped{*from, *to};
}

// The timestamp token runs to the next space (or the end).
std::optional<enc::Timestamp> timestamp(std::string_view& in) {
  std::size_t end = std::min(in.find(' '), in.size());
  auto ts = enc::parse_iso8601(in.substr(0, end));
  if (!ts) return std::nullopt;
  in.remove_prefix(end);
  return *ts;
}

}  // namespace

Result<std::int64_t> parse_decimal_id(std::string_view& in) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t v = 0;
  std::size_t n = 0;
  for (; n < in.size() && in[n] >= '0' && in[n] <= '9'; ++n) {
    const int d = in[n] - '0';
    if (v > (kMax - d) / 10) return make_error_code(errc::bad_syntax);
    v = v * 10 + d;
  }
  if (n == 0) return make_error_code(errc::bad_syntax);
  in.remove_prefix(n);
  return v;
}

Result<std::string> encode_msg_integrity(const MsgIntegrity& integrity) {
  return std::visit(
      Overloaded{
          [](const MsgOk&) -> Result<std::string> { return std::string(kOk); },
          [](const MsgSkipped& m) -> Result<std::string> {
            SMP_TRY(std::string from, id_text(m.from));
            SMP_TRY(std::string to, id_text(m.to));
            return std::string(kErr).append(kSkipped).append(from).append(" ").append(to);
          },
          [](const MsgBadId& m) -> Result<std::string> {
            SMP_TRY(std::string id, id_text(m.id));
            return std::string(kErr).append(kBadId).append(id);
          },
          [](const MsgBadHash&) -> Result<std::string> {
            return std::string(kErr).append(kBadHash);
          },
          [](const MsgDuplicate&) -> Result<std::string> {
            return std::string(kErr).append(kDuplicate);
          },
      },
      integrity);
}

Result<std::string> encode_msg_meta(const MsgMeta& meta) {
  if (meta.broker_id.empty()) return make_error_code(errc::bad_syntax);
  SMP_TRY(std::string integrity, encode_msg_integrity(meta.integrity));
  SMP_TRY(std::string recipient_id, id_text(meta.recipient_id));
  SMP_TRY(std::string recipient, party_meta(std::move(recipient_id), meta.recipient_ts));
  SMP_TRY(std::string broker, party_meta(enc::b64_encode(meta.broker_id), meta.broker_ts));
  SMP_TRY(std::string snd_id, id_text(meta.snd_msg_id));
  return integrity + " R=" + recipient + " B=" + broker + " S=" + snd_id;
}

Result<MsgIntegrity> parse_msg_integrity(std::string_view& in) {
  std::string_view rest = in;
  std::optional<MsgIntegrity> out;
  if (strip(rest, kOk)) {
    out = MsgOk{};
  } else if (strip(rest, kErr)) {
    if (strip(rest, kBadId)) {
      if (auto id = parse_decimal_id(rest)) out = MsgBadId{*id};
    } else if (strip(rest, kSkipped) || strip(rest, kSkippedParsed)) {
      if (auto s = skipped(rest)) out = *s;
    } else if (strip(rest, kBadHash)) {
      out = MsgBadHash{};
    } else if (strip(rest, kDuplicate)) {
      out = MsgDuplicate{};
    }
  }
  if (!out) return make_error_code(errc::bad_syntax);
  in = rest;
  return std::move(*out);
}

Result<MsgMeta> parse_msg_meta(std::string_view& in) {
  const auto bad = make_error_code(errc::bad_syntax);
  std::string_view rest = in;
  SMP_TRY(MsgIntegrity integrity, parse_msg_integrity(rest));
  if (!strip(rest, " R=")) return bad;
  SMP_TRY(std::int64_t recipient_id, parse_decimal_id(rest));
  if (!strip(rest, ",")) return bad;
  auto recipient_ts = timestamp(rest);
  if (!recipient_ts || !strip(rest, " B=")) return bad;
  auto broker_id = enc::parse_b64_token(rest);
  if (!broker_id || !strip(rest, ",")) return bad;
  auto broker_ts = timestamp(rest);
  if (!broker_ts || !strip(rest, " S=")) return bad;
  SMP_TRY(std::int64_t snd_msg_id, parse_decimal_id(rest));
  in = rest;
  return MsgMeta{std::move(integrity),  recipient_id, *recipient_ts,
                 std::move(*broker_id), *broker_ts,   snd_msg_id};
}

}  // namespace smp::agent
