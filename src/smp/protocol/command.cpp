#include "smp/protocol/command.h"

#include <array>
#include <optional>
#include <type_traits>

#include "smp/common/overloaded.h"
#include "smp/encoding/binary.h"
#include "smp/protocol/buffer_writer.h"

namespace smp::protocol {
namespace {

// Tags in variant index order.
constexpr std::array<std::string_view, std::variant_size_v<Command>> kCommandTags = {
    "NEW", "SUB",  "KEY",  "NKEY", "ACK", "OFF",  "DEL",  "SEND", "PING", "NSUB", "SUBS",  "RKEY",
    "LSET", "LDEL", "NDEL", "GET", "QUE", "SKEY", "LKEY", "LGET", "NSUBS", "PRXY", "PFWD", "RFWD"};
constexpr std::array<std::string_view, std::variant_size_v<BrokerMessage>> kMessageTags = {
    "IDS", "MSG",  "NID",  "NMSG", "END",  "OK",   "ERR",  "PONG", "LNK",
    "SOK", "SOKS", "PKEY", "RRES", "PRES", "ENDS", "DELD", "INFO"};

// The alternatives SMP v1 has: the first ten commands and the first eight messages.
constexpr std::size_t kV1Commands = 10;
constexpr std::size_t kV1Messages = 8;

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
static_assert(kCommandTags[kCmd<cmd::Subs>] == "SUBS" && kCommandTags[kCmd<cmd::RKey>] == "RKEY" &&
              kCommandTags[kCmd<cmd::LSet>] == "LSET" && kCommandTags[kCmd<cmd::LDel>] == "LDEL" &&
              kCommandTags[kCmd<cmd::NDel>] == "NDEL" && kCommandTags[kCmd<cmd::Get>] == "GET" &&
              kCommandTags[kCmd<cmd::Que>] == "QUE" && kCommandTags[kCmd<cmd::SKey>] == "SKEY" &&
              kCommandTags[kCmd<cmd::LKey>] == "LKEY" && kCommandTags[kCmd<cmd::LGet>] == "LGET" &&
              kCommandTags[kCmd<cmd::NSubs>] == "NSUBS" &&
              kCommandTags[kCmd<cmd::Prxy>] == "PRXY" && kCommandTags[kCmd<cmd::PFwd>] == "PFWD" &&
              kCommandTags[kCmd<cmd::RFwd>] == "RFWD");
static_assert(kMessageTags[kMsg<msg::Ids>] == "IDS" && kMessageTags[kMsg<msg::Msg>] == "MSG" &&
              kMessageTags[kMsg<msg::Nid>] == "NID" && kMessageTags[kMsg<msg::NMsg>] == "NMSG" &&
              kMessageTags[kMsg<msg::End>] == "END" && kMessageTags[kMsg<msg::Ok>] == "OK" &&
              kMessageTags[kMsg<msg::Err>] == "ERR" && kMessageTags[kMsg<msg::Pong>] == "PONG");
static_assert(kMessageTags[kMsg<msg::Lnk>] == "LNK" && kMessageTags[kMsg<msg::Sok>] == "SOK" &&
              kMessageTags[kMsg<msg::Soks>] == "SOKS" && kMessageTags[kMsg<msg::PKey>] == "PKEY" &&
              kMessageTags[kMsg<msg::RRes>] == "RRES" && kMessageTags[kMsg<msg::PRes>] == "PRES" &&
              kMessageTags[kMsg<msg::Ends>] == "ENDS" && kMessageTags[kMsg<msg::Deld>] == "DELD" &&
              kMessageTags[kMsg<msg::Info>] == "INFO");

// Keys that authorize commands (APublicAuthKey): v1 knows only signature keys; the current
// generation adds X25519 (crypto_box authenticators). DH keys are X25519.
constexpr crypto::AlgorithmSet kV1VerifyKeys = crypto::kSignatureAlgorithms;
constexpr crypto::AlgorithmSet kAuthKeys{crypto::KeyAlgorithm::ed25519, crypto::KeyAlgorithm::ed448,
                                         crypto::KeyAlgorithm::x25519};
constexpr crypto::AlgorithmSet kDhKeys = crypto::kDhX25519;

constexpr crypto::AlgorithmSet auth_keys(SmpVersion v) {
  return v == kSmpV1 ? kV1VerifyKeys : kAuthKeys;
}

// senderCanSecure: only a messaging queue lets its sender secure it.
bool sender_can_secure(std::optional<QueueMode> mode) { return mode == QueueMode::messaging; }

// --- encode ----------------------------------------------------------------------------------

using detail::BufferWriter;

void write_key(BufferWriter& w, const crypto::PublicKey& k) {
  std::array<std::uint8_t, crypto::kMaxPublicKeyDerSize> der{};
  const std::size_t n = crypto::encode_public_key_der_to(k, der);
  w.short_bytes(ByteView(der.data(), n));
}

// A key the version allows in an auth-key position; others fail the encoding.
void write_auth_key(BufferWriter& w, SmpVersion v, const crypto::PublicKey& k) {
  if (!auth_keys(v).contains(k.algorithm())) {
    w.fail(errc::wrong_algorithm);
    return;
  }
  write_key(w, k);
}

void write_maybe_short(BufferWriter& w, const std::optional<ByteView>& b) {
  w.maybe_tag(b.has_value());
  if (b) w.short_bytes(*b);
}

void write_link_data(BufferWriter& w, const LinkData& d) {
  w.large(d.fixed_data).large(d.user_data);
}

void write_queue_mode(BufferWriter& w, QueueMode m) {
  w.ch(m == QueueMode::messaging ? 'M' : 'C');
}

void write_queue_request(BufferWriter& w, const QueueRequest& q) {
  write_queue_mode(w, q.mode);
  w.maybe_tag(q.link.has_value());
  if (!q.link) return;
  if (q.mode == QueueMode::contact) w.short_bytes(q.link->link_id);
  w.short_bytes(q.link->sender_id);
  write_link_data(w, q.link->data);
}

void write_new(BufferWriter& w, SmpVersion v, const cmd::New& c) {
  write_auth_key(w, v, c.rcv_key);
  write_key(w, c.rcv_dh_key);
  if (v == kSmpV1) return;
  if (v >= kSndAuthKeyVersion) {
    write_maybe_short(w, c.basic_auth);
  } else if (c.basic_auth) {
    w.ch('A').short_bytes(*c.basic_auth);
  }
  w.ch(c.sub_mode == SubscriptionMode::subscribe ? 'S' : 'C');
  if (v >= kShortLinksVersion) {
    w.maybe_tag(c.queue_request.has_value());
    if (c.queue_request) write_queue_request(w, *c.queue_request);
  } else if (v >= kSndAuthKeyVersion) {
    w.boolean(c.queue_request && c.queue_request->mode == QueueMode::messaging);
  }
  if (v >= kNewNtfCredsVersion) {
    w.maybe_tag(c.ntf_creds.has_value());
    if (c.ntf_creds) {
      write_auth_key(w, v, c.ntf_creds->notifier_key);
      write_key(w, c.ntf_creds->rcv_ntf_dh_key);
    }
  }
}

void write_server_ref(BufferWriter& w, const ServerRef& s) {
  w.count(s.host_count);
  for (std::size_t i = 0; i < s.host_count && i < ServerRef::kMaxHosts; ++i) {
    w.short_bytes(s.hosts[i]);
  }
  w.short_bytes(s.port).short_bytes(s.key_hash);
}

void write_command(BufferWriter& w, SmpVersion v, const Command& c) {
  if (v == kSmpV1 && c.index() >= kV1Commands) {
    w.fail(errc::bad_tag);
    return;
  }
  w.raw(tag_of(c));
  std::visit(Overloaded{
                 [&](const cmd::New& x) {
                   w.ch(' ');
                   write_new(w, v, x);
                 },
                 [&](const cmd::Key& x) {
                   w.ch(' ');
                   write_auth_key(w, v, x.sender_key);
                 },
                 [&](const cmd::RKey& x) {
                   w.ch(' ').count(x.keys.size());
                   for (const auto& k : x.keys) write_auth_key(w, v, k);
                 },
                 [&](const cmd::LSet& x) {
                   w.ch(' ').short_bytes(x.link_id);
                   write_link_data(w, x.data);
                 },
                 [&](const cmd::NKey& x) {
                   w.ch(' ');
                   write_auth_key(w, v, x.notifier_key);
                   if (v == kSmpV1) return;
                   if (!x.rcv_ntf_dh_key) {
                     w.fail(errc::wrong_algorithm);
                     return;
                   }
                   write_key(w, *x.rcv_ntf_dh_key);
                 },
                 [&](const cmd::Ack& x) {
                   if (v != kSmpV1) w.ch(' ').short_bytes(x.msg_id);
                 },
                 [&](const cmd::SKey& x) {
                   w.ch(' ');
                   write_auth_key(w, v, x.sender_key);
                 },
                 [&](const cmd::LKey& x) {
                   w.ch(' ');
                   write_auth_key(w, v, x.sender_key);
                 },
                 [&](const cmd::Send& x) {
                   w.ch(' ');
                   if (v != kSmpV1) w.boolean(x.notification).ch(' ');
                   w.raw(x.body);
                 },
                 [&](const cmd::Prxy& x) {
                   w.ch(' ');
                   write_server_ref(w, x.server);
                   write_maybe_short(w, x.basic_auth);
                 },
                 [&](const cmd::PFwd& x) {
                   w.ch(' ').u16(x.version);
                   write_key(w, x.key);
                   w.raw(x.encrypted);
                 },
                 [&](const cmd::RFwd& x) { w.ch(' ').raw(x.encrypted); },
                 [](const auto&) {},
             },
             c);
}

void write_ids(BufferWriter& w, SmpVersion v, const msg::Ids& x) {
  w.short_bytes(x.rcv_id).short_bytes(x.snd_id);
  write_key(w, x.srv_dh_key);
  if (v >= kShortLinksVersion) {
    w.maybe_tag(x.queue_mode.has_value());
    if (x.queue_mode) write_queue_mode(w, *x.queue_mode);
    write_maybe_short(w, x.link_id);
    if (v >= kServiceCertsVersion) write_maybe_short(w, x.service_id);
    if (v >= kNewNtfCredsVersion) {
      w.maybe_tag(x.ntf_creds.has_value());
      if (x.ntf_creds) {
        w.short_bytes(x.ntf_creds->notifier_id);
        write_key(w, x.ntf_creds->srv_ntf_dh_key);
      }
    }
  } else if (v >= kSndAuthKeyVersion) {
    w.boolean(sender_can_secure(x.queue_mode));
  }
}

void write_error(BufferWriter& w, SmpVersion v, const SmpError& e) {
  if (v == kSmpV1) {
    w.raw(error_type_text(e.code));
    return;
  }
  w.raw(encode_error_type(e, v));
}

void write_broker_message(BufferWriter& w, SmpVersion v, const BrokerMessage& m) {
  if (v == kSmpV1 && m.index() >= kV1Messages) {
    w.fail(errc::bad_tag);
    return;
  }
  // Tags that older versions send under another name.
  if (std::holds_alternative<msg::Sok>(m) && v < kServiceCertsVersion) {
    w.raw("OK");
    return;
  }
  if (std::holds_alternative<msg::Deld>(m) && v < kDeletedEventVersion) {
    w.raw("END");
    return;
  }
  w.raw(tag_of(m));
  std::visit(Overloaded{
                 [&](const msg::Ids& x) {
                   w.ch(' ');
                   write_ids(w, v, x);
                 },
                 [&](const msg::Lnk& x) {
                   w.ch(' ').short_bytes(x.sender_id);
                   write_link_data(w, x.data);
                 },
                 [&](const msg::Sok& x) {
                   w.ch(' ');
                   write_maybe_short(w, x.service_id);
                 },
                 [&](const msg::Soks& x) { w.ch(' ').i64(x.count); },
                 [&](const msg::Ends& x) { w.ch(' ').i64(x.count); },
                 [&](const msg::Msg& x) {
                   w.ch(' ').short_bytes(x.msg_id);
                   if (v == kSmpV1) w.i64(x.timestamp);
                   w.raw(x.body);
                 },
                 [&](const msg::Nid& x) {
                   w.ch(' ').short_bytes(x.notifier_id);
                   if (v == kSmpV1) return;
                   if (!x.srv_ntf_dh_key) {
                     w.fail(errc::wrong_algorithm);
                     return;
                   }
                   write_key(w, *x.srv_ntf_dh_key);
                 },
                 [&](const msg::NMsg& x) {
                   if (v == kSmpV1) return;
                   if (x.nonce.size() != 24) {
                     w.fail(errc::bad_syntax);
                     return;
                   }
                   w.ch(' ').raw(x.nonce).short_bytes(x.enc_meta);
                 },
                 [&](const msg::PKey& x) {
                   w.ch(' ').short_bytes(x.session_id).u16(x.versions.min()).u16(x.versions.max());
                   w.raw(x.cert_chain_pub_key);
                 },
                 [&](const msg::RRes& x) { w.ch(' ').raw(x.encrypted); },
                 [&](const msg::PRes& x) { w.ch(' ').raw(x.encrypted); },
                 [&](const msg::Info& x) { w.ch(' ').raw(x.json); },
                 [&](const msg::Err& x) {
                   w.ch(' ');
                   write_error(w, v, x.error);
                 },
                 [](const auto&) {},
             },
             m);
}

template <class T, class WriteFn>
Result<std::size_t> encode_into(SmpVersion v, const T& value, std::span<std::uint8_t> out,
                                WriteFn write) {
  BufferWriter w(out);
  write(w, v, value);
  if (!w.ok()) return make_error_code(w.error());
  return w.size();
}

// Everything but a Tail body or link data fits in this: tag, ids, keys, flags, an error.
constexpr std::size_t kMaxFixedPart = 1200;

template <class T, class WriteFn>
Result<Bytes> encode_owned(SmpVersion v, const T& value, WriteFn write) {
  Bytes out(max_encoded_size(value));
  auto n = encode_into(v, value, out, write);
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
                                    std::string_view tag, std::size_t known) {
  for (std::size_t i = 0; i < N && i < known; ++i) {
    if (tags[i] == tag) return i;
  }
  return std::nullopt;
}

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

std::optional<crypto::PublicKey> read_key(enc::Reader& r, crypto::AlgorithmSet allowed) {
  return crypto::read_public_key(r, allowed);
}

std::optional<crypto::PublicKey> space_then_key(enc::Reader& r, crypto::AlgorithmSet allowed) {
  r.expect(" ");
  return read_key(r, allowed);
}

// 'T' / 'F'.
bool read_bool(enc::Reader& r) {
  const char c = r.ch();
  if (c != 'T' && c != 'F') r.fail(errc::bad_tag);
  return c == 'T';
}

std::optional<ByteView> read_maybe_short(enc::Reader& r) {
  if (!r.maybe_tag()) return std::nullopt;
  return r.short_bytes();
}

LinkData read_link_data(enc::Reader& r) {
  LinkData d;
  d.fixed_data = r.large();
  d.user_data = r.large();
  return d;
}

std::optional<QueueMode> read_queue_mode(enc::Reader& r) {
  switch (r.ch()) {
    case 'M': return QueueMode::messaging;
    case 'C': return QueueMode::contact;
    default:
      r.fail(errc::bad_tag);
      return std::nullopt;
  }
}

std::optional<QueueRequest> read_queue_request(enc::Reader& r) {
  auto mode = read_queue_mode(r);
  if (!mode) return std::nullopt;
  QueueRequest q{*mode, std::nullopt};
  if (r.maybe_tag()) {
    QueueRequest::Link link;
    if (q.mode == QueueMode::contact) link.link_id = r.short_bytes();
    link.sender_id = r.short_bytes();
    link.data = read_link_data(r);
    q.link = link;
  }
  return q;
}

std::optional<cmd::New> read_new(enc::Reader& r, SmpVersion v) {
  auto rcv_key = space_then_key(r, auth_keys(v));
  auto dh_key = read_key(r, kDhKeys);
  if (!rcv_key || !dh_key) return std::nullopt;
  cmd::New c{*rcv_key, *dh_key, std::nullopt, SubscriptionMode::subscribe, std::nullopt,
             std::nullopt};
  if (v == kSmpV1) return c;
  if (v >= kSndAuthKeyVersion) {
    c.basic_auth = read_maybe_short(r);
  } else if (!r.at_end() && r.rest()[0] == 'A') {
    // `optional (A.char 'A' *> smpP)`: the subscribe mode is 'S' or 'C', never 'A'.
    r.ch();
    c.basic_auth = r.short_bytes();
  }
  switch (r.ch()) {
    case 'S': c.sub_mode = SubscriptionMode::subscribe; break;
    case 'C': c.sub_mode = SubscriptionMode::only_create; break;
    default: r.fail(errc::bad_tag); return std::nullopt;
  }
  if (v >= kShortLinksVersion) {
    if (r.maybe_tag()) c.queue_request = read_queue_request(r);
  } else if (v >= kSndAuthKeyVersion) {
    // qReq: the flag is always present and always becomes a request with no link.
    c.queue_request = QueueRequest{read_bool(r) ? QueueMode::messaging : QueueMode::contact,
                                   std::nullopt};
  }
  if (v >= kNewNtfCredsVersion && r.maybe_tag()) {
    auto nk = read_key(r, kAuthKeys);
    auto nd = read_key(r, kDhKeys);
    if (!nk || !nd) return std::nullopt;
    c.ntf_creds = cmd::New::NtfCreds{*nk, *nd};
  }
  if (!r.ok()) return std::nullopt;
  return c;
}

std::optional<ServerRef> read_server_ref(enc::Reader& r) {
  ServerRef s;
  const std::size_t n = r.u8();
  if (n == 0 || n > ServerRef::kMaxHosts) {
    // NonEmpty; more hosts than we keep would not be usable either.
    r.fail(errc::bad_syntax);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < n; ++i) s.hosts[i] = r.short_bytes();
  s.host_count = n;
  s.port = r.short_bytes();
  s.key_hash = r.short_bytes();
  if (!r.ok()) return std::nullopt;
  return s;
}

Result<Command> parse_current_command(std::size_t index, enc::Reader& r, SmpVersion v) {
  switch (index) {
    case kCmd<cmd::New>: return finish<Command>(r, read_new(r, v));
    case kCmd<cmd::Key>: {
      auto key = space_then_key(r, auth_keys(v));
      return finish<Command>(r, key ? std::optional(cmd::Key{*key}) : std::nullopt);
    }
    case kCmd<cmd::RKey>: {
      r.expect(" ");
      const std::size_t n = r.u8();
      if (n == 0) r.fail(errc::bad_syntax);  // NonEmpty
      cmd::RKey c;
      for (std::size_t i = 0; i < n && r.ok(); ++i) {
        if (auto k = read_key(r, kAuthKeys)) c.keys.push_back(*k);
      }
      return finish<Command>(r, std::move(c));
    }
    case kCmd<cmd::LSet>: {
      r.expect(" ");
      cmd::LSet c;
      c.link_id = r.short_bytes();
      c.data = read_link_data(r);
      return finish<Command>(r, c);
    }
    case kCmd<cmd::NKey>: {
      auto key = space_then_key(r, auth_keys(v));
      if (v == kSmpV1) {
        return finish<Command>(r, key ? std::optional(cmd::NKey{*key, std::nullopt}) : std::nullopt);
      }
      auto dh = read_key(r, kDhKeys);
      std::optional<cmd::NKey> c;
      if (key && dh) c = cmd::NKey{*key, *dh};
      return finish<Command>(r, c);
    }
    case kCmd<cmd::Ack>: {
      cmd::Ack c;
      if (v != kSmpV1) {
        r.expect(" ");
        c.msg_id = r.short_bytes();
      }
      return finish<Command>(r, c);
    }
    case kCmd<cmd::SKey>: {
      auto key = space_then_key(r, kAuthKeys);
      return finish<Command>(r, key ? std::optional(cmd::SKey{*key}) : std::nullopt);
    }
    case kCmd<cmd::LKey>: {
      auto key = space_then_key(r, kAuthKeys);
      return finish<Command>(r, key ? std::optional(cmd::LKey{*key}) : std::nullopt);
    }
    case kCmd<cmd::Send>: {
      r.expect(" ");
      cmd::Send c;
      if (v != kSmpV1) {
        // MsgFlags: the notification flag, then anything up to the next space (future flags).
        c.notification = read_bool(r);
        ByteView rest = r.rest();
        std::size_t skip = 0;
        while (skip < rest.size() && rest[skip] != ' ') ++skip;
        r.take(skip);
        r.expect(" ");
      }
      c.body = r.tail();
      return finish<Command>(r, c);
    }
    case kCmd<cmd::Prxy>: {
      r.expect(" ");
      auto server = read_server_ref(r);
      auto auth = read_maybe_short(r);
      std::optional<cmd::Prxy> c;
      if (server) c = cmd::Prxy{*server, auth};
      return finish<Command>(r, c);
    }
    case kCmd<cmd::PFwd>: {
      r.expect(" ");
      const SmpVersion fwd = r.u16();
      auto key = read_key(r, kDhKeys);
      ByteView rest = r.tail();
      std::optional<cmd::PFwd> c;
      if (key) c = cmd::PFwd{fwd, *key, rest};
      return finish<Command>(r, c);
    }
    case kCmd<cmd::RFwd>: {
      r.expect(" ");
      return finish<Command>(r, cmd::RFwd{r.tail()});
    }
    case kCmd<cmd::Sub>: return finish<Command>(r, cmd::Sub{});
    case kCmd<cmd::Off>: return finish<Command>(r, cmd::Off{});
    case kCmd<cmd::Del>: return finish<Command>(r, cmd::Del{});
    case kCmd<cmd::Ping>: return finish<Command>(r, cmd::Ping{});
    case kCmd<cmd::NSub>: return finish<Command>(r, cmd::NSub{});
    case kCmd<cmd::Subs>: return finish<Command>(r, cmd::Subs{});
    case kCmd<cmd::LDel>: return finish<Command>(r, cmd::LDel{});
    case kCmd<cmd::NDel>: return finish<Command>(r, cmd::NDel{});
    case kCmd<cmd::Get>: return finish<Command>(r, cmd::Get{});
    case kCmd<cmd::Que>: return finish<Command>(r, cmd::Que{});
    case kCmd<cmd::LGet>: return finish<Command>(r, cmd::LGet{});
    case kCmd<cmd::NSubs>: return finish<Command>(r, cmd::NSubs{});
    default: return make_error_code(errc::smp_cmd_unknown);  // unreachable
  }
}

std::optional<msg::Ids> read_ids(enc::Reader& r, SmpVersion v) {
  r.expect(" ");
  ByteView rcv_id = r.short_bytes();
  ByteView snd_id = r.short_bytes();
  auto dh_key = read_key(r, kDhKeys);
  if (!dh_key) return std::nullopt;
  msg::Ids m{rcv_id, snd_id, *dh_key, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  if (v >= kShortLinksVersion) {
    if (r.maybe_tag()) m.queue_mode = read_queue_mode(r);
    m.link_id = read_maybe_short(r);
    if (v >= kServiceCertsVersion) m.service_id = read_maybe_short(r);
    if (v >= kNewNtfCredsVersion && r.maybe_tag()) {
      ByteView nid = r.short_bytes();
      auto dh = read_key(r, kDhKeys);
      if (!dh) return std::nullopt;
      m.ntf_creds = msg::Ids::NtfCreds{nid, *dh};
    }
  } else if (v >= kSndAuthKeyVersion) {
    m.queue_mode = read_bool(r) ? QueueMode::messaging : QueueMode::contact;
  }
  if (!r.ok()) return std::nullopt;
  return m;
}

// CertChainPubKey: a non-empty list of Large certificates, then the Large signed key. Only
// its extent is checked here; the transport layer decodes and verifies it.
ByteView read_cert_chain_pub_key(enc::Reader& r) {
  const std::size_t start = r.position();
  ByteView all = r.rest();
  const std::size_t n = r.u8();
  if (n == 0) r.fail(errc::bad_syntax);
  for (std::size_t i = 0; i < n && r.ok(); ++i) r.large();
  r.large();
  if (!r.ok()) return {};
  return all.first(r.position() - start);
}

Result<BrokerMessage> parse_message(std::size_t index, enc::Reader& r, SmpVersion v) {
  switch (index) {
    case kMsg<msg::Ids>: return finish<BrokerMessage>(r, read_ids(r, v));
    case kMsg<msg::Lnk>: {
      r.expect(" ");
      msg::Lnk m;
      m.sender_id = r.short_bytes();
      m.data = read_link_data(r);
      return finish<BrokerMessage>(r, m);
    }
    case kMsg<msg::Sok>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::Sok{read_maybe_short(r)});
    }
    case kMsg<msg::Soks>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::Soks{r.i64()});
    }
    case kMsg<msg::Ends>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::Ends{r.i64()});
    }
    case kMsg<msg::Msg>: {
      r.expect(" ");
      msg::Msg m;
      m.msg_id = r.short_bytes();
      if (v == kSmpV1) m.timestamp = r.i64();
      m.body = r.tail();
      return finish<BrokerMessage>(r, m);
    }
    case kMsg<msg::Nid>: {
      r.expect(" ");
      msg::Nid m;
      m.notifier_id = r.short_bytes();
      if (v != kSmpV1) {
        m.srv_ntf_dh_key = read_key(r, kDhKeys);
        if (!m.srv_ntf_dh_key) return make_error_code(errc::smp_cmd_syntax);
      }
      return finish<BrokerMessage>(r, m);
    }
    case kMsg<msg::NMsg>: {
      msg::NMsg m;
      if (v != kSmpV1) {
        r.expect(" ");
        m.nonce = r.take(24);
        m.enc_meta = r.short_bytes();
      }
      return finish<BrokerMessage>(r, m);
    }
    case kMsg<msg::PKey>: {
      r.expect(" ");
      ByteView sid = r.short_bytes();
      const SmpVersion lo = r.u16();
      const SmpVersion hi = r.u16();
      ByteView chain = read_cert_chain_pub_key(r);
      auto range = enc::VersionRange::make(lo, hi);
      std::optional<msg::PKey> m;
      if (range) m = msg::PKey{sid, *range, chain};
      return finish<BrokerMessage>(r, m);
    }
    case kMsg<msg::RRes>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::RRes{r.tail()});
    }
    case kMsg<msg::PRes>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::PRes{r.tail()});
    }
    case kMsg<msg::Info>: {
      r.expect(" ");
      return finish<BrokerMessage>(r, msg::Info{r.tail()});
    }
    case kMsg<msg::Err>: {
      r.expect(" ");
      ByteView text = r.tail();
      if (v == kSmpV1) {
        auto e = parse_error_type(text);
        return finish<BrokerMessage>(r, e ? std::optional(msg::Err{*e}) : std::nullopt);
      }
      auto e = parse_error_type_current(text);
      return finish<BrokerMessage>(r, e ? std::optional(msg::Err{std::move(*e)}) : std::nullopt);
    }
    case kMsg<msg::End>: return finish<BrokerMessage>(r, msg::End{});
    case kMsg<msg::Deld>: return finish<BrokerMessage>(r, msg::Deld{});
    case kMsg<msg::Ok>: return finish<BrokerMessage>(r, msg::Ok{});
    case kMsg<msg::Pong>: return finish<BrokerMessage>(r, msg::Pong{});
    default: return make_error_code(errc::smp_cmd_unknown);  // unreachable
  }
}

}  // namespace

Party party_of(const Command& c) noexcept {
  return std::visit(Overloaded{
                        [](const cmd::Send&) { return Party::sender; },
                        [](const cmd::SKey&) { return Party::sender; },
                        [](const cmd::NSub&) { return Party::notifier; },
                        [](const cmd::LKey&) { return Party::link; },
                        [](const cmd::LGet&) { return Party::link; },
                        [](const cmd::Ping&) { return Party::none; },
                        [](const cmd::Subs&) { return Party::none; },
                        [](const cmd::NSubs&) { return Party::none; },
                        [](const cmd::Prxy&) { return Party::none; },
                        [](const cmd::PFwd&) { return Party::none; },
                        [](const cmd::RFwd&) { return Party::none; },
                        [](const auto&) { return Party::recipient; },
                    },
                    c);
}

std::string_view tag_of(const Command& c) noexcept { return kCommandTags[c.index()]; }
std::string_view tag_of(const BrokerMessage& m) noexcept { return kMessageTags[m.index()]; }

std::size_t max_encoded_size(const Command& c) noexcept {
  return kMaxFixedPart +
         std::visit(Overloaded{
                        [](const cmd::Send& x) { return x.body.size(); },
                        [](const cmd::New& x) {
                          if (!x.queue_request || !x.queue_request->link) return std::size_t{0};
                          const LinkData& d = x.queue_request->link->data;
                          return d.fixed_data.size() + d.user_data.size();
                        },
                        [](const cmd::LSet& x) {
                          return x.data.fixed_data.size() + x.data.user_data.size();
                        },
                        [](const cmd::RKey& x) { return x.keys.size() * 70; },
                        [](const cmd::PFwd& x) { return x.encrypted.size(); },
                        [](const cmd::RFwd& x) { return x.encrypted.size(); },
                        [](const auto&) { return std::size_t{0}; },
                    },
                    c);
}

std::size_t max_encoded_size(const BrokerMessage& m) noexcept {
  return kMaxFixedPart +
         std::visit(Overloaded{
                        [](const msg::Msg& x) { return x.body.size(); },
                        [](const msg::Lnk& x) {
                          return x.data.fixed_data.size() + x.data.user_data.size();
                        },
                        [](const msg::PKey& x) { return x.cert_chain_pub_key.size(); },
                        [](const msg::RRes& x) { return x.encrypted.size(); },
                        [](const msg::PRes& x) { return x.encrypted.size(); },
                        [](const msg::Info& x) { return x.json.size(); },
                        [](const msg::Err& x) { return x.error.store_text.size(); },
                        [](const auto&) { return std::size_t{0}; },
                    },
                    m);
}

Result<std::size_t> encode_command(SmpVersion v, const Command& c, std::span<std::uint8_t> out) {
  return encode_into(v, c, out, write_command);
}

Result<Bytes> encode_command(SmpVersion v, const Command& c) {
  return encode_owned(v, c, write_command);
}

Result<std::size_t> encode_broker_message(SmpVersion v, const BrokerMessage& m,
                                          std::span<std::uint8_t> out) {
  return encode_into(v, m, out, write_broker_message);
}

Result<Bytes> encode_broker_message(SmpVersion v, const BrokerMessage& m) {
  return encode_owned(v, m, write_broker_message);
}

Result<Command> parse_command(SmpVersion v, ByteView bytes) {
  const auto [tag, params] = split_tag(bytes);
  const auto index =
      find_tag(kCommandTags, tag, v == kSmpV1 ? kV1Commands : kCommandTags.size());
  if (!index) return make_error_code(errc::smp_cmd_unknown);
  enc::Reader r(params);
  return parse_current_command(*index, r, v);
}

Result<BrokerMessage> parse_broker_message(SmpVersion v, ByteView bytes) {
  const auto [tag, params] = split_tag(bytes);
  const auto index =
      find_tag(kMessageTags, tag, v == kSmpV1 ? kV1Messages : kMessageTags.size());
  if (!index) return make_error_code(errc::smp_cmd_unknown);
  enc::Reader r(params);
  return parse_message(*index, r, v);
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

errc check_credentials_current(const Command& c, bool is_authorized,
                               ByteView entity_id) noexcept {
  const bool has_entity = !entity_id.empty();
  // entityCmd: an entity, and no authorization.
  auto entity_only = [&] {
    if (!has_entity) return errc::smp_cmd_no_queue;
    return is_authorized ? errc::smp_cmd_has_auth : errc::ok;
  };
  // noAuthCmd: neither.
  auto neither = [&] {
    return !is_authorized && !has_entity ? errc::ok : errc::smp_cmd_has_auth;
  };
  return std::visit(Overloaded{
                        [&](const cmd::New&) {
                          if (!is_authorized) return errc::smp_cmd_no_auth;
                          return has_entity ? errc::smp_cmd_has_auth : errc::ok;
                        },
                        [&](const cmd::Send&) {
                          return has_entity ? errc::ok : errc::smp_cmd_no_queue;
                        },
                        [&](const cmd::LGet&) { return entity_only(); },
                        [&](const cmd::PFwd&) { return entity_only(); },
                        [&](const cmd::Ping&) { return neither(); },
                        [&](const cmd::Prxy&) { return neither(); },
                        [&](const cmd::RFwd&) { return neither(); },
                        [&](const auto&) {
                          return is_authorized && has_entity ? errc::ok : errc::smp_cmd_no_auth;
                        },
                    },
                    c);
}

errc check_credentials(const BrokerMessage& m, ByteView queue_id) noexcept {
  const bool has_queue = !queue_id.empty();
  auto no_entity = [&] { return has_queue ? errc::smp_cmd_has_auth : errc::ok; };
  return std::visit(Overloaded{
                        [](const msg::Ids&) { return errc::ok; },
                        [](const msg::Err&) { return errc::ok; },
                        [&](const msg::Pong&) { return no_entity(); },
                        [&](const msg::PKey&) { return no_entity(); },
                        [&](const msg::RRes&) { return no_entity(); },
                        [&](const auto&) {
                          return has_queue ? errc::ok : errc::smp_cmd_no_queue;
                        },
                    },
                    m);
}

}  // namespace smp::protocol
