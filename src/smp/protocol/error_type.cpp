#include "smp/protocol/error_type.h"

#include <boost/json.hpp>

#include <array>
#include <utility>

#include "smp/encoding/binary.h"

namespace smp::protocol {
namespace {

using Token = std::pair<errc, std::string_view>;

// SMP v1's ErrorType tokens; its parse and encode both use this table.
constexpr std::array<Token, 12> kV1ErrorTypes = {{
    {errc::smp_block, "BLOCK"},
    {errc::smp_session, "SESSION"},
    {errc::smp_cmd_unknown, "CMD UNKNOWN"},
    {errc::smp_cmd_syntax, "CMD SYNTAX"},
    {errc::smp_cmd_no_auth, "CMD NO_AUTH"},
    {errc::smp_cmd_has_auth, "CMD HAS_AUTH"},
    {errc::smp_cmd_no_queue, "CMD NO_QUEUE"},
    {errc::smp_auth, "AUTH"},
    {errc::smp_quota, "QUOTA"},
    {errc::smp_no_msg, "NO_MSG"},
    {errc::smp_large_msg, "LARGE_MSG"},
    {errc::smp_internal, "INTERNAL"},
}};

// The current generation's payload-free ErrorType tokens (Encoding ErrorType).
constexpr std::array<Token, 10> kPlainErrorTypes = {{
    {errc::smp_block, "BLOCK"},
    {errc::smp_session, "SESSION"},
    {errc::smp_auth, "AUTH"},
    {errc::smp_service, "SERVICE"},
    {errc::smp_crypto, "CRYPTO"},
    {errc::smp_quota, "QUOTA"},
    {errc::smp_expired, "EXPIRED"},
    {errc::smp_no_msg, "NO_MSG"},
    {errc::smp_large_msg, "LARGE_MSG"},
    {errc::smp_internal, "INTERNAL"},
}};

// CommandError tokens (Encoding CommandError); NO_QUEUE is the v1 spelling of NO_ENTITY.
constexpr std::array<Token, 6> kCommandErrors = {{
    {errc::smp_cmd_unknown, "UNKNOWN"},
    {errc::smp_cmd_syntax, "SYNTAX"},
    {errc::smp_cmd_prohibited, "PROHIBITED"},
    {errc::smp_cmd_no_auth, "NO_AUTH"},
    {errc::smp_cmd_has_auth, "HAS_AUTH"},
    {errc::smp_cmd_no_queue, "NO_ENTITY"},
}};

template <class Table>
std::optional<std::string_view> token_of(const Table& table, errc e) {
  for (const auto& [value, text] : table) {
    if (value == e) return text;
  }
  return std::nullopt;
}

template <class Table>
std::optional<errc> value_of(const Table& table, std::string_view token) {
  for (const auto& [value, text] : table) {
    if (text == token) return value;
  }
  return std::nullopt;
}

bool is_command_error(errc e) {
  return (e >= errc::smp_cmd_unknown && e <= errc::smp_cmd_no_queue) ||
         e == errc::smp_cmd_prohibited;
}

// --- BlockingInfo's notice JSON --------------------------------------------------------------

std::string notice_json(const BlockingInfo::Notice& n) {
  // aeson with omitNothingFields: an absent ttl is left out.
  if (!n.ttl) return "{}";
  return "{\"ttl\":" + std::to_string(*n.ttl) + "}";
}

std::optional<BlockingInfo::Notice> parse_notice_json(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  BlockingInfo::Notice n;
  if (const auto* ttl = v.as_object().if_contains("ttl"); ttl && !ttl->is_null()) {
    if (ttl->is_int64()) {
      n.ttl = ttl->as_int64();
    } else if (ttl->is_uint64() || ttl->is_double()) {
      // aeson's Int64 accepts integral numbers in range only.
      auto i = ttl->to_number<std::int64_t>(ec);
      if (ec) return std::nullopt;
      n.ttl = i;
    } else {
      return std::nullopt;
    }
  }
  return n;
}

// --- encoders --------------------------------------------------------------------------------

void append_text(Bytes& out, std::string_view s) { append(out, as_bytes(s)); }

// String / ByteString fields of the nested errors: u8 length ‖ bytes (truncated at 255, as
// the reference assumes they are short).
void append_short(Bytes& out, std::string_view s) {
  const std::size_t n = std::min<std::size_t>(s.size(), enc::kMaxShortLength);
  out.push_back(static_cast<std::uint8_t>(n));
  append_text(out, s.substr(0, n));
}

constexpr std::array<std::string_view, 6> kTransportErrors = {"BLOCK",   "VERSION", "LARGE_MSG",
                                                               "SESSION", "NO_AUTH", "HANDSHAKE"};
constexpr std::array<std::string_view, 4> kHandshakeErrors = {"PARSE", "IDENTITY", "BAD_AUTH",
                                                               "BAD_SERVICE"};

void append_transport_error(Bytes& out, const TransportErrorInfo& t) {
  append_text(out, kTransportErrors[static_cast<std::size_t>(t.kind)]);
  if (t.kind == TransportErrorInfo::Kind::handshake) {
    append_text(out, " ");
    append_text(out, kHandshakeErrors[static_cast<std::size_t>(t.handshake)]);
  }
}

void append_broker_error(Bytes& out, const BrokerErrorInfo& b) {
  using K = BrokerErrorInfo::Kind;
  switch (b.kind) {
    case K::response:
      append_text(out, "RESPONSE ");
      append_short(out, b.text);
      return;
    case K::unexpected:
      append_text(out, "UNEXPECTED ");
      append_short(out, b.text);
      return;
    case K::transport:
      append_text(out, "TRANSPORT ");
      append_transport_error(out, b.transport);
      return;
    case K::network: return append_text(out, "NETWORK");  // details are not sent (6.5.5)
    case K::timeout: return append_text(out, "TIMEOUT");
    case K::host: return append_text(out, "HOST");
    case K::no_service: return append_text(out, "NO_SERVICE");
  }
}

void append_proxy_error(Bytes& out, const ProxyErrorInfo& p, SmpVersion v) {
  using K = ProxyErrorInfo::Kind;
  switch (p.kind) {
    case K::protocol:
      append_text(out, "PROTOCOL ");
      append_error_type(out, p.protocol ? *p.protocol : SmpError(errc::smp_internal), v);
      return;
    case K::broker:
      append_text(out, "BROKER ");
      append_broker_error(out, p.broker);
      return;
    case K::basic_auth: return append_text(out, "BASIC_AUTH");
    case K::no_session: return append_text(out, "NO_SESSION");
  }
}

// --- parsers ---------------------------------------------------------------------------------

// A cursor over the text with the reference's takeTill (== ' ') and A.space.
struct Cursor {
  std::string_view s;
  std::string_view word() {
    std::size_t i = s.find(' ');
    std::string_view w = s.substr(0, i);
    s.remove_prefix(i == std::string_view::npos ? s.size() : i);
    return w;
  }
  bool space() {
    if (s.empty() || s.front() != ' ') return false;
    s.remove_prefix(1);
    return true;
  }
  bool at_end() const { return s.empty(); }
  // u8 length ‖ bytes.
  std::optional<std::string> short_string() {
    if (s.empty()) return std::nullopt;
    const auto n = static_cast<std::uint8_t>(s.front());
    if (s.size() < 1u + n) return std::nullopt;
    std::string out(s.substr(1, n));
    s.remove_prefix(1u + n);
    return out;
  }
};

std::optional<TransportErrorInfo> parse_transport_error(Cursor& c) {
  std::string_view w = c.word();
  for (std::size_t i = 0; i < kTransportErrors.size(); ++i) {
    if (w != kTransportErrors[i]) continue;
    TransportErrorInfo t{static_cast<TransportErrorInfo::Kind>(i)};
    if (t.kind == TransportErrorInfo::Kind::handshake) {
      // parseRead1: one word read with Read.
      if (!c.space()) return std::nullopt;
      std::string_view h = c.word();
      std::size_t k = 0;
      while (k < kHandshakeErrors.size() && kHandshakeErrors[k] != h) ++k;
      if (k == kHandshakeErrors.size()) return std::nullopt;
      t.handshake = static_cast<TransportErrorInfo::Handshake>(k);
    }
    return t;
  }
  return std::nullopt;
}

std::optional<NetworkErrorInfo> parse_network_error(Cursor& c) {
  using K = NetworkErrorInfo::Kind;
  std::string_view w = c.word();
  NetworkErrorInfo n;
  auto with_detail = [&](K kind) -> std::optional<NetworkErrorInfo> {
    if (!c.space()) return std::nullopt;
    auto d = c.short_string();
    if (!d) return std::nullopt;
    return NetworkErrorInfo{kind, std::move(*d)};
  };
  if (w == "CONNECT") return with_detail(K::connect);
  if (w == "TLS") return with_detail(K::tls);
  if (w == "SUBSCRIBE") return with_detail(K::subscribe);
  if (w == "UNKNOWNCA") return NetworkErrorInfo{K::unknown_ca, {}};
  if (w == "FAILED") return NetworkErrorInfo{K::failed, {}};
  if (w == "TIMEOUT") return NetworkErrorInfo{K::timeout, {}};
  return std::nullopt;
}

std::optional<BrokerErrorInfo> parse_broker_error(Cursor& c) {
  using K = BrokerErrorInfo::Kind;
  std::string_view w = c.word();
  BrokerErrorInfo b;
  if (w == "RESPONSE" || w == "UNEXPECTED") {
    if (!c.space()) return std::nullopt;
    auto text = c.short_string();
    if (!text) return std::nullopt;
    b.kind = w == "RESPONSE" ? K::response : K::unexpected;
    b.text = std::move(*text);
    return b;
  }
  if (w == "TRANSPORT") {
    if (!c.space()) return std::nullopt;
    auto t = parse_transport_error(c);
    if (!t) return std::nullopt;
    b.kind = K::transport;
    b.transport = *t;
    return b;
  }
  if (w == "NETWORK") {
    // `_smpP <|> pure NEFailedError`: a detail when a space and a NetworkError follow.
    b.kind = K::network;
    Cursor probe = c;
    if (probe.space()) {
      if (auto n = parse_network_error(probe)) {
        b.network = std::move(*n);
        c = probe;
      }
    }
    return b;
  }
  if (w == "TIMEOUT") return BrokerErrorInfo{K::timeout, {}, {}, {}};
  if (w == "HOST") return BrokerErrorInfo{K::host, {}, {}, {}};
  if (w == "NO_SERVICE") return BrokerErrorInfo{K::no_service, {}, {}, {}};
  return std::nullopt;
}

std::optional<SmpError> parse_error(Cursor& c);

std::optional<ProxyErrorInfo> parse_proxy_error(Cursor& c) {
  using K = ProxyErrorInfo::Kind;
  std::string_view w = c.word();
  ProxyErrorInfo p;
  if (w == "PROTOCOL") {
    if (!c.space()) return std::nullopt;
    auto inner = parse_error(c);
    if (!inner) return std::nullopt;
    p.kind = K::protocol;
    p.protocol = std::make_shared<const SmpError>(std::move(*inner));
    return p;
  }
  if (w == "BROKER") {
    if (!c.space()) return std::nullopt;
    auto b = parse_broker_error(c);
    if (!b) return std::nullopt;
    p.kind = K::broker;
    p.broker = std::move(*b);
    return p;
  }
  if (w == "BASIC_AUTH") return ProxyErrorInfo{K::basic_auth, nullptr, {}};
  if (w == "NO_SESSION") return ProxyErrorInfo{K::no_session, nullptr, {}};
  return std::nullopt;
}

std::optional<SmpError> parse_error(Cursor& c) {
  std::string_view w = c.word();
  if (auto plain = value_of(kPlainErrorTypes, w)) return SmpError(*plain);
  if (w == "CMD") {
    if (!c.space()) return std::nullopt;
    std::string_view token = c.word();
    if (token == "NO_QUEUE") return SmpError(errc::smp_cmd_no_queue);
    if (auto e = value_of(kCommandErrors, token)) return SmpError(*e);
    return std::nullopt;
  }
  if (w == "PROXY") {
    if (!c.space()) return std::nullopt;
    auto p = parse_proxy_error(c);
    if (!p) return std::nullopt;
    return SmpError::proxy(std::move(*p));
  }
  if (w == "BLOCKED") {
    // strP takes the rest of the input (the notice JSON runs to the end).
    if (!c.space()) return std::nullopt;
    auto info = parse_blocking_info(as_bytes(c.s));
    if (!info) return std::nullopt;
    c.s = {};
    return SmpError::blocked(*info);
  }
  if (w == "STORE") {
    if (!c.space()) return std::nullopt;
    SmpError e = SmpError::store(std::string(c.s));
    c.s = {};
    return e;
  }
  if (w == "DUPLICATE_") return SmpError(errc::smp_internal);  // never sent; treated as INTERNAL
  return std::nullopt;
}

}  // namespace

// --- SMP v1 ----------------------------------------------------------------------------------

bool is_error_type(errc e) noexcept { return e >= errc::smp_block && e <= errc::smp_expired; }

errc to_error_type(errc e) noexcept { return is_error_type(e) ? e : errc::smp_internal; }

std::string_view error_type_text(errc e) noexcept {
  const errc t = to_error_type(e);
  if (t == errc::smp_blocked) return "AUTH";  // as the reference below blockedEntitySMPVersion
  return token_of(kV1ErrorTypes, t).value_or("INTERNAL");
}

std::optional<errc> parse_error_type(ByteView text) noexcept {
  // The reference reads space-separated tokens and then requires the end of input, so the
  // accepted inputs are exactly the table's texts.
  return value_of(kV1ErrorTypes, as_chars(text));
}

// --- current generation ----------------------------------------------------------------------

std::string format_blocking_info(const BlockingInfo& info) {
  std::string s = info.reason == BlockingReason::spam ? "reason=spam" : "reason=content";
  if (info.notice) s += ",notice=" + notice_json(*info.notice);
  return s;
}

Result<BlockingInfo> parse_blocking_info(ByteView text) {
  std::string_view s = as_chars(text);
  constexpr std::string_view kReason = "reason=";
  if (!s.starts_with(kReason)) return make_error_code(errc::bad_syntax);
  s.remove_prefix(kReason.size());
  BlockingInfo info;
  if (s.starts_with("spam")) {
    info.reason = BlockingReason::spam;
    s.remove_prefix(4);
  } else if (s.starts_with("content")) {
    info.reason = BlockingReason::content;
    s.remove_prefix(7);
  } else {
    return make_error_code(errc::bad_syntax);
  }
  if (s.empty()) return info;
  constexpr std::string_view kNotice = ",notice=";
  if (!s.starts_with(kNotice)) return make_error_code(errc::bad_syntax);
  auto notice = parse_notice_json(s.substr(kNotice.size()));
  if (!notice) return make_error_code(errc::bad_syntax);
  info.notice = *notice;
  return info;
}

bool operator==(const ProxyErrorInfo& a, const ProxyErrorInfo& b) {
  if (a.kind != b.kind || !(a.broker == b.broker)) return false;
  if (!a.protocol || !b.protocol) return a.protocol == b.protocol;
  return *a.protocol == *b.protocol;
}

bool operator==(const SmpError& a, const SmpError& b) {
  if (a.code != b.code || a.blocking != b.blocking || a.store_text != b.store_text) return false;
  if (!a.proxy_error || !b.proxy_error) return a.proxy_error == b.proxy_error;
  return *a.proxy_error == *b.proxy_error;
}

SmpError SmpError::blocked(BlockingInfo info) {
  SmpError e(errc::smp_blocked);
  e.blocking = info;
  return e;
}

SmpError SmpError::store(std::string text) {
  SmpError e(errc::smp_store);
  e.store_text = std::move(text);
  return e;
}

SmpError SmpError::proxy(ProxyErrorInfo info) {
  SmpError e(errc::smp_proxy);
  e.proxy_error = std::make_shared<const ProxyErrorInfo>(std::move(info));
  return e;
}

void append_error_type(Bytes& out, const SmpError& e, SmpVersion v) {
  const errc code = to_error_type(e.code);
  if (auto plain = token_of(kPlainErrorTypes, code)) return append_text(out, *plain);
  if (is_command_error(code)) {
    append_text(out, "CMD ");
    return append_text(out, *token_of(kCommandErrors, code));
  }
  switch (code) {
    case errc::smp_blocked: {
      if (v < kBlockedEntityVersion || !e.blocking) return append_text(out, "AUTH");
      BlockingInfo info = *e.blocking;
      if (v < kClientNoticesVersion) info.notice.reset();
      append_text(out, "BLOCKED ");
      return append_text(out, format_blocking_info(info));
    }
    case errc::smp_store:
      append_text(out, "STORE ");
      return append_text(out, e.store_text);
    case errc::smp_proxy:
      if (!e.proxy_error) return append_text(out, "INTERNAL");
      append_text(out, "PROXY ");
      return append_proxy_error(out, *e.proxy_error, v);
    default:
      return append_text(out, "INTERNAL");
  }
}

Bytes encode_error_type(const SmpError& e, SmpVersion v) {
  Bytes out;
  append_error_type(out, e, v);
  return out;
}

Result<SmpError> parse_error_type_current(ByteView text) {
  Cursor c{as_chars(text)};
  auto e = parse_error(c);
  if (!e || !c.at_end()) return make_error_code(errc::bad_syntax);
  return std::move(*e);
}

}  // namespace smp::protocol
