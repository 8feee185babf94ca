#include "smp/protocol/command.h"

#include <array>
#include <optional>
#include <type_traits>

#include "smp/common/overloaded.h"
#include "smp/encoding/binary.h"
#include "smp/protocol/buffer_writer.h"
#include "smp/protocol/error_type.h"

namespace smp::protocol {
namespace {

// Tags in variant index order.
constexpr std::array<std::string_view, std::variant_size_v<Command>> kCommandTags = {
    "NEW", "SUB", "KEY", "NKEY", "ACK", "OFF", "DEL", "SEND", "PING", "NSUB"};
constexpr std::array<std::string_view, std::variant_size_v<BrokerMessage>> kMessageTags = {
    "IDS", "MSG", "NID", "NMSG", "END", "OK", "ERR", "PONG"};

// The position of T among the alternatives of a variant, for switching on a parsed tag.
template <class T, class V>
struct IndexOf;
template <class T, class... Ts>
struct IndexOf<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool match[] = {std::is_same_v<T, Ts>...};
    std::size_t i = 0;
    while (i < sizeof...(Ts) && !match[i]) ++i;
    return i;
  }();
};
template <class T>
constexpr std::size_t kCmd = IndexOf<T, Command>::value;
template <class T>
constexpr std::size_t kMsg = IndexOf<T, BrokerMessage>::value;

static_assert(kCommandTags[kCmd<cmd::New>] == "NEW" && kCommandTags[kCmd<cmd::Sub>] == "SUB" &&
              kCommandTags[kCmd<cmd::Key>] == "KEY" && kCommandTags[kCmd<cmd::NKey>] == "NKEY" &&
              kCommandTags[kCmd<cmd::Ack>] == "ACK" && kCommandTags[kCmd<cmd::Off>] == "OFF" &&
              kCommandTags[kCmd<cmd::Del>] == "DEL" && kCommandTags[kCmd<cmd::Send>] == "SEND" &&
              kCommandTags[kCmd<cmd::Ping>] == "PING" && kCommandTags[kCmd<cmd::NSub>] == "NSUB");
static_assert(kMessageTags[kMsg<msg::Ids>] == "IDS" && kMessageTags[kMsg<msg::Msg>] == "MSG" &&
              kMessageTags[kMsg<msg::Nid>] == "NID" && kMessageTags[kMsg<msg::NMsg>] == "NMSG" &&
              kMessageTags[kMsg<msg::End>] == "END" && kMessageTags[kMsg<msg::Ok>] == "OK" &&
              kMessageTags[kMsg<msg::Err>] == "ERR" && kMessageTags[kMsg<msg::Pong>] == "PONG");


// --- encode ----------------------------------------------------------------------------------

void write_key(detail::BufferWriter& w, const crypto::PublicKey& k) {
  w.short_bytes(crypto::encode_public_key_der(k));
}

void write_command(detail::BufferWriter& w, const Command& c) {
  w.raw(tag_of(c));
  std::visit(Overloaded{
                 [&](const cmd::New& v) {
                   w.ch(' ');
                   write_key(w, v.rcv_key);
                   write_key(w, v.rcv_dh_key);
                 },
                 [&](const cmd::Key& v) {
                   w.ch(' ');
                   write_key(w, v.sender_key);
                 },
                 [&](const cmd::NKey& v) {
                   w.ch(' ');
                   write_key(w, v.notifier_key);
                 },
                 [&](const cmd::Send& v) { w.ch(' ').raw(v.body); },
                 [](const auto&) {},
             },
             c);
}

void write_broker_message(detail::BufferWriter& w, const BrokerMessage& m) {
  w.raw(tag_of(m));
  std::visit(Overloaded{
                 [&](const msg::Ids& v) {
                   w.ch(' ').short_bytes(v.rcv_id).short_bytes(v.snd_id);
                   write_key(w, v.srv_dh_key);
                 },
                 [&](const msg::Msg& v) {
                   w.ch(' ').short_bytes(v.msg_id).i64(v.timestamp).raw(v.body);
                 },
                 [&](const msg::Nid& v) { w.ch(' ').short_bytes(v.notifier_id); },
                 [&](const msg::Err& v) { w.ch(' ').raw(error_type_text(v.error)); },
                 [](const auto&) {},
             },
             m);
}

template <class T, class WriteFn>
Result<std::size_t> encode_into(const T& value, std::span<std::uint8_t> out, WriteFn write) {
  detail::BufferWriter w(out);
  write(w, value);
  if (!w.ok()) return make_error_code(w.error());
  return w.size();
}

// Everything but a Tail body fits in this: tag, space, two short ids, a key DER, a timestamp.
constexpr std::size_t kMaxFixedPart = 600;

template <class T, class WriteFn>
Result<Bytes> encode_owned(const T& value, WriteFn write) {
  Bytes out(max_encoded_size(value));
  auto n = encode_into(value, out, write);
  if (!n) return n.error();
  out.resize(*n);
  return out;
}

// --- parse -----------------------------------------------------------------------------------

// The reference splits at the first space: tag before it, params from it (space included).
struct Split {
  std::string_view tag;
  ByteView params;
};

Split split_tag(ByteView bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && bytes[i] != ' ') ++i;
  return {as_chars(bytes.first(i)), bytes.subspan(i)};
}

template <std::size_t N>
std::optional<std::size_t> find_tag(const std::array<std::string_view, N>& tags,
                                    std::string_view tag) {
  for (std::size_t i = 0; i < N; ++i) {
    if (tags[i] == tag) return i;
  }
  return std::nullopt;
}

// NEW/KEY/NKEY carry verification keys; NEW and IDS carry an X25519 DH key (spec §2.1).
constexpr crypto::AlgorithmSet kVerifyKeys = crypto::kSignatureAlgorithms;
constexpr crypto::AlgorithmSet kDhKeys = crypto::kDhX25519;

// Params are parsed whole (parseAll): any failure, or bytes left over, is CMD SYNTAX.
template <class Out, class V>
Result<Out> finish(enc::Reader& r, std::optional<V> v) {
  r.expect_end();
  if (!r.ok() || !v) return make_error_code(errc::smp_cmd_syntax);
  return Out{std::move(*v)};
}

template <class Out, class V>
Result<Out> finish(enc::Reader& r, V v) {
  return finish<Out>(r, std::optional<V>(std::move(v)));
}

std::optional<crypto::PublicKey> space_then_key(enc::Reader& r, crypto::AlgorithmSet allowed) {
  r.expect(" ");
  return crypto::read_public_key(r, allowed);
}

}  // namespace

Party party_of(const Command& c) noexcept {
  if (std::holds_alternative<cmd::Send>(c) || std::holds_alternative<cmd::Ping>(c)) {
    return Party::sender;
  }
  if (std::holds_alternative<cmd::NSub>(c)) return Party::notifier;
  return Party::recipient;
}

std::string_view tag_of(const Command& c) noexcept { return kCommandTags[c.index()]; }

std::size_t max_encoded_size(const Command& c) noexcept {
  const auto* send = std::get_if<cmd::Send>(&c);
  return kMaxFixedPart + (send ? send->body.size() : 0);
}

std::size_t max_encoded_size(const BrokerMessage& m) noexcept {
  const auto* message = std::get_if<msg::Msg>(&m);
  return kMaxFixedPart + (message ? message->body.size() : 0);
}
std::string_view tag_of(const BrokerMessage& m) noexcept { return kMessageTags[m.index()]; }

Result<std::size_t> encode_command(const Command& c, std::span<std::uint8_t> out) {
  return encode_into(c, out, write_command);
}

Result<Bytes> encode_command(const Command& c) { return encode_owned(c, write_command); }

Result<std::size_t> encode_broker_message(const BrokerMessage& m, std::span<std::uint8_t> out) {
  return encode_into(m, out, write_broker_message);
}

Result<Bytes> encode_broker_message(const BrokerMessage& m) {
  return encode_owned(m, write_broker_message);
}

Result<Command> parse_command(ByteView bytes) {
  const auto [tag, params] = split_tag(bytes);
  const auto index = find_tag(kCommandTags, tag);
  if (!index) return make_error_code(errc::smp_cmd_unknown);
  enc::Reader r(params);
  switch (*index) {
    case kCmd<cmd::New>: {
      auto rcv_key = space_then_key(r, kVerifyKeys);
      auto dh_key = crypto::read_public_key(r, kDhKeys);
      std::optional<cmd::New> v;
      if (rcv_key && dh_key) v = cmd::New{*rcv_key, *dh_key};
      return finish<Command>(r, v);
    }
    case kCmd<cmd::Sub>: return finish<Command>(r, cmd::Sub{});
    case kCmd<cmd::Key>: {
      auto key = space_then_key(r, kVerifyKeys);
      return finish<Command>(r, key ? std::optional(cmd::Key{*key}) : std::nullopt);
    }
    case kCmd<cmd::NKey>: {
      auto key = space_then_key(r, kVerifyKeys);
      return finish<Command>(r, key ? std::optional(cmd::NKey{*key}) : std::nullopt);
    }
    case kCmd<cmd::Ack>: return finish<Command>(r, cmd::Ack{});
    case kCmd<cmd::Off>: return finish<Command>(r, cmd::Off{});
    case kCmd<cmd::Del>: return finish<Command>(r, cmd::Del{});
    case kCmd<cmd::Send>: {
      r.expect(" ");
      ByteView body = r.tail();
      return finish<Command>(r, cmd::Send{body});
    }
    case kCmd<cmd::Ping>: return finish<Command>(r, cmd::Ping{});
    case kCmd<cmd::NSub>: return finish<Command>(r, cmd::NSub{});
    default: return make_error_code(errc::smp_cmd_unknown);  // unreachable
  }
}

Result<BrokerMessage> parse_broker_message(ByteView bytes) {
  const auto [tag, params] = split_tag(bytes);
  const auto index = find_tag(kMessageTags, tag);
  if (!index) return make_error_code(errc::smp_cmd_unknown);
  enc::Reader r(params);
  switch (*index) {
    case kMsg<msg::Ids>: {
      r.expect(" ");
      ByteView rcv_id = r.short_bytes();
      ByteView snd_id = r.short_bytes();
      auto dh_key = crypto::read_public_key(r, kDhKeys);
      std::optional<msg::Ids> v;
      if (dh_key) v = msg::Ids{rcv_id, snd_id, *dh_key};
      return finish<BrokerMessage>(r, v);
    }
    case kMsg<msg::Msg>: {
      r.expect(" ");
      msg::Msg v;
      v.msg_id = r.short_bytes();
      v.timestamp = r.i64();
      v.body = r.tail();
      return finish<BrokerMessage>(r, v);
    }
    case kMsg<msg::Nid>: {
      r.expect(" ");
      ByteView id = r.short_bytes();
      return finish<BrokerMessage>(r, msg::Nid{id});
    }
    case kMsg<msg::NMsg>: return finish<BrokerMessage>(r, msg::NMsg{});
    case kMsg<msg::End>: return finish<BrokerMessage>(r, msg::End{});
    case kMsg<msg::Ok>: return finish<BrokerMessage>(r, msg::Ok{});
    case kMsg<msg::Err>: {
      r.expect(" ");
      auto e = parse_error_type(r.tail());
      return finish<BrokerMessage>(r, e ? std::optional(msg::Err{*e}) : std::nullopt);
    }
    case kMsg<msg::Pong>: return finish<BrokerMessage>(r, msg::Pong{});
    default: return make_error_code(errc::smp_cmd_unknown);  // unreachable
  }
}

errc check_credentials(const Command& c, bool is_signed, ByteView queue_id) noexcept {
  const bool has_queue = !queue_id.empty();
  return std::visit(Overloaded{
                        [&](const cmd::New&) {
                          if (!is_signed) return errc::smp_cmd_no_auth;
                          return has_queue ? errc::smp_cmd_has_auth : errc::ok;
                        },
                        [&](const cmd::Send&) {
                          return has_queue ? errc::ok : errc::smp_cmd_no_queue;
                        },
                        [&](const cmd::Ping&) {
                          return !is_signed && !has_queue ? errc::ok : errc::smp_cmd_has_auth;
                        },
                        [&](const auto&) {
                          return is_signed && has_queue ? errc::ok : errc::smp_cmd_no_auth;
                        },
                    },
                    c);
}

errc check_credentials(const BrokerMessage& m, ByteView queue_id) noexcept {
  const bool has_queue = !queue_id.empty();
  return std::visit(Overloaded{
                        [](const msg::Ids&) { return errc::ok; },
                        [](const msg::Err&) { return errc::ok; },
                        [&](const msg::Pong&) {
                          return has_queue ? errc::smp_cmd_has_auth : errc::ok;
                        },
                        [&](const auto&) {
                          return has_queue ? errc::ok : errc::smp_cmd_no_queue;
                        },
                    },
                    m);
}

}  // namespace smp::protocol
