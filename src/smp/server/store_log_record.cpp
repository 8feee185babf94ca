// The grammar follows the reference's StrEncoding instances at simplexmq 6.5.5:
// StoreLogRecord and QueueRec (Server/StoreLog.hs), NtfCreds, ServiceRec and
// ServerEntityStatus (Server/QueueStore.hs), BlockingInfo (Protocol.hs), lists and tuples
// (Encoding/String.hs: strEncodeList, strP_ = strP <* space).

#include "smp/server/store_log_record.h"

#include <array>

#include "smp/common/try.h"
#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/server/log_text.h"

namespace smp::server {
namespace {

using log_text::consume;
using log_text::expect;
using log_text::expect_end;
using log_text::parse_id;
using log_text::parse_signed_decimal;

// --- parsing ---------------------------------------------------------------------------------

Result<crypto::PublicKey> parse_key(std::string_view& in) {
  return crypto::parse_public_key(in, kAuthKeyAlgorithms);
}

// The rest of a NonEmpty key list after its first key: more keys, each after a ','.
Result<void> parse_more_keys(std::string_view& in, std::vector<crypto::PublicKey>& more) {
  while (consume(in, ",")) {
    SMP_TRY(crypto::PublicKey k, parse_key(in));
    more.push_back(k);
  }
  return {};
}

Result<std::vector<crypto::PublicKey>> parse_keys(std::string_view& in) {
  SMP_TRY(crypto::PublicKey first, parse_key(in));
  std::vector<crypto::PublicKey> keys{first};
  SMP_TRY_VOID(parse_more_keys(in, keys));
  return keys;
}

// A 32-byte X25519 secret, decoded into a buffer that is wiped afterwards.
Result<DhSecret25519> parse_dh(std::string_view& in) {
  std::array<std::uint8_t, DhSecret25519::kSize> bytes;
  auto size = enc::parse_b64url_token_into(in, bytes);
  std::optional<DhSecret25519> dh;
  if (size && *size == bytes.size()) dh = DhSecret25519::from(bytes);
  secure_wipe(bytes.data(), bytes.size());
  if (!size) return size.error();
  if (!dh) return make_error_code(errc::bad_syntax);
  return *dh;
}

// EncDataBytes: a base64url token; empty (the next character is a space, or the end) is
// accepted, though the reference would not read it.
Result<Bytes> parse_blob(std::string_view& in) {
  if (in.empty() || in.front() == ' ') return Bytes{};
  return enc::parse_b64url_token(in);
}

// The value of the first of `choices` whose text `in` starts with (consumed).
template <class T, std::size_t N>
Result<T> one_of(std::string_view& in, const std::pair<std::string_view, T> (&choices)[N]) {
  for (const auto& [text, value] : choices) {
    if (consume(in, text)) return value;
  }
  return Result<T>(boost::system::in_place_error, make_error_code(errc::bad_syntax));
}

// The text of `value` in `choices` (the formatting side of one_of).
template <class T, std::size_t N>
std::string_view text_of(T value, const std::pair<std::string_view, T> (&choices)[N]) {
  for (const auto& [text, v] : choices) {
    if (v == value) return text;
  }
  return {};
}

constexpr std::pair<std::string_view, bool> kBools[] = {{"T", true}, {"F", false}};
constexpr std::pair<std::string_view, QueueMode> kQueueModes[] = {{"M", QueueMode::messaging},
                                                                  {"C", QueueMode::contact}};
constexpr std::pair<std::string_view, BlockingReason> kReasons[] = {
    {"spam", BlockingReason::spam}, {"content", BlockingReason::content}};
constexpr std::pair<std::string_view, ServiceRole> kRoles[] = {
    {"M", ServiceRole::messaging}, {"N", ServiceRole::notifier}, {"P", ServiceRole::proxy}};
constexpr std::pair<std::string_view, ServiceParty> kParties[] = {
    {"R ", ServiceParty::recipient}, {"N ", ServiceParty::notifier}};

// ClientNotice as aeson encodes it (omitNothingFields): {} or {"ttl":<int>}; {"ttl":null}
// is read too.
Result<ClientNotice> parse_notice(std::string_view& in) {
  if (consume(in, "{}")) return ClientNotice{};
  SMP_TRY_VOID(expect(in, "{\"ttl\":"));
  ClientNotice notice;
  if (!consume(in, "null")) {
    SMP_TRY(std::int64_t ttl, parse_signed_decimal(in));
    notice.ttl = ttl;
  }
  SMP_TRY_VOID(expect(in, "}"));
  return notice;
}

Result<BlockingInfo> parse_blocking(std::string_view& in) {
  SMP_TRY_VOID(expect(in, "reason="));
  BlockingInfo info;
  SMP_TRY(info.reason, one_of(in, kReasons));
  if (consume(in, ",notice=")) {
    SMP_TRY(ClientNotice notice, parse_notice(in));
    info.notice = notice;
  }
  return info;
}

// ServerEntityStatus: active | blocked,<info> | off.
Result<void> parse_status(std::string_view& in, QueueRecord& q) {
  if (consume(in, "active")) {
    q.status = QueueStatus::active;
  } else if (consume(in, "off")) {
    q.status = QueueStatus::off;
  } else if (consume(in, "blocked,")) {
    SMP_TRY(BlockingInfo info, parse_blocking(in));
    q.status = QueueStatus::blocked;
    q.blocking = info;
  } else {
    return make_error_code(errc::bad_syntax);
  }
  return {};
}

// NtfCreds: <nid> <key> <dh>[ nsrv=<id>]; a zero DH secret is SMP v1's "none".
Result<NotifierCredentials> parse_notifier(std::string_view& in) {
  SMP_TRY(QueueId nid, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(crypto::PublicKey key, parse_key(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(DhSecret25519 dh, parse_dh(in));
  NotifierCredentials creds{.notifier_id = nid, .notifier_key = key};
  if (!dh.is_zero()) creds.dh_secret = dh;
  if (consume(in, " nsrv=")) {
    SMP_TRY(QueueId service, parse_id(in));
    creds.service_id = service;
  }
  return creds;
}

Result<QueueLinkData> parse_link_data(std::string_view& in, const LinkId& link_id) {
  SMP_TRY(Bytes fixed, parse_blob(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(Bytes user, parse_blob(in));
  return QueueLinkData{link_id, std::move(fixed), std::move(user)};
}

// QueueRec after "rid=<id> ", with SMP v1's notifier form.
Result<QueueRecord> parse_queue(std::string_view& in, const QueueId& rid) {
  SMP_TRY_VOID(expect(in, "rk="));
  // Most queues have one recipient key: no list is allocated for it.
  SMP_TRY(crypto::PublicKey recipient_key, parse_key(in));
  std::vector<crypto::PublicKey> more_keys;
  SMP_TRY_VOID(parse_more_keys(in, more_keys));
  SMP_TRY_VOID(expect(in, " rdh="));
  SMP_TRY(DhSecret25519 rdh, parse_dh(in));
  SMP_TRY_VOID(expect(in, " sid="));
  SMP_TRY(QueueId sid, parse_id(in));
  SMP_TRY_VOID(expect(in, " sk="));
  QueueRecord q{.recipient_id = rid, .sender_id = sid, .recipient_key = recipient_key,
                .recipient_dh_secret = rdh, .more_recipient_keys = std::move(more_keys)};
  if (!in.empty() && in.front() != ' ') {
    SMP_TRY(crypto::PublicKey sk, parse_key(in));
    q.sender_key = sk;
  }
  if (consume(in, " nid=")) {  // SMP v1
    SMP_TRY(QueueId nid, parse_id(in));
    SMP_TRY_VOID(expect(in, " nk="));
    SMP_TRY(crypto::PublicKey nk, parse_key(in));
    q.notifier = NotifierCredentials{.notifier_id = nid, .notifier_key = nk};
    return q;
  }
  if (consume(in, " sndSecure=")) {
    SMP_TRY(bool messaging, one_of(in, kBools));
    q.mode = messaging ? QueueMode::messaging : QueueMode::contact;
  } else if (consume(in, " queue_mode=")) {
    SMP_TRY(q.mode, one_of(in, kQueueModes));
  }
  if (consume(in, " link_id=")) {
    SMP_TRY(LinkId link_id, parse_id(in));
    SMP_TRY_VOID(expect(in, " queue_data="));
    SMP_TRY(QueueLinkData link, parse_link_data(in, link_id));
    q.link = std::make_shared<const QueueLinkData>(std::move(link));
  }
  if (consume(in, " notifier=")) {
    SMP_TRY(NotifierCredentials creds, parse_notifier(in));
    q.notifier = std::move(creds);
  }
  if (consume(in, " updated_at=")) {
    SMP_TRY(std::int64_t date, parse_signed_decimal(in));
    q.updated_at = date;
  }
  if (consume(in, " status=")) SMP_TRY_VOID(parse_status(in, q));
  if (consume(in, " rsrv=")) {
    SMP_TRY(QueueId service, parse_id(in));
    q.recipient_service = service;
  }
  return q;
}

Result<ServiceRecord> parse_service(std::string_view& in) {
  ServiceRecord s;
  SMP_TRY_VOID(expect(in, "service_id="));
  SMP_TRY(s.id, parse_id(in));
  SMP_TRY_VOID(expect(in, " role="));
  SMP_TRY(s.role, one_of(in, kRoles));
  SMP_TRY_VOID(expect(in, " cert="));
  if (!in.empty() && in.front() != ' ') {
    do {
      SMP_TRY(Bytes der, enc::parse_b64url_token(in));
      s.certificate_chain.push_back(std::move(der));
    } while (consume(in, ","));
  }
  SMP_TRY_VOID(expect(in, " cert_hash="));
  SMP_TRY(s.certificate_hash, enc::parse_b64url_token(in));
  SMP_TRY_VOID(expect(in, " created_at="));
  SMP_TRY(s.created_at, parse_signed_decimal(in));
  return s;
}

// "<rid>" alone: LDELETE, SUSPEND, UNBLOCK, DELETE, NDELETE.
template <class Record>
Result<StoreLogRecord> rid_only(std::string_view in) {
  SMP_TRY(QueueId rid, parse_id(in));
  SMP_TRY_VOID(expect_end(in));
  return Record{rid};
}

// "<rid> <value>", the value read by parse_value: the other records about one queue.
template <class Record, class ParseValue>
Result<StoreLogRecord> rid_and(std::string_view in, ParseValue parse_value) {
  SMP_TRY(QueueId rid, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  SMP_TRY(auto value, parse_value(in));
  SMP_TRY_VOID(expect_end(in));
  return Record{rid, std::move(value)};
}

// <link id> <fixed data> <user data> (LINK).
Result<QueueLinkData> parse_link(std::string_view& in) {
  SMP_TRY(LinkId link_id, parse_id(in));
  SMP_TRY_VOID(expect(in, " "));
  return parse_link_data(in, link_id);
}

// NOTIFIER's credentials, or SMP v1's <nid> <key> with nothing after.
Result<NotifierCredentials> parse_any_notifier(std::string_view& in) {
  std::string_view v1 = in;
  if (auto nid = parse_id(v1); nid && consume(v1, " ")) {
    if (auto key = parse_key(v1); key && v1.empty()) {
      in = v1;
      return NotifierCredentials{.notifier_id = *nid, .notifier_key = *key};
    }
  }
  return parse_notifier(in);
}

// R|N then a space, and an optional service id (QUEUE_SERVICE's party and service).
Result<StoreLogQueueService> parse_queue_service(std::string_view& in) {
  StoreLogQueueService r{};
  SMP_TRY(r.party, one_of(in, kParties));
  if (!in.empty()) {
    SMP_TRY(QueueId id, parse_id(in));
    r.service_id = id;
  }
  return r;
}

Result<StoreLogRecord> parse_record(std::string_view in) {
  if (consume(in, "CREATE rid=")) {
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect(in, " "));
    SMP_TRY(QueueRecord q, parse_queue(in, rid));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogCreate{std::move(q)};
  }
  if (consume(in, "LINK ")) return rid_and<StoreLogLink>(in, parse_link);
  if (consume(in, "LDELETE ")) return rid_only<StoreLogDeleteLink>(in);
  if (consume(in, "SECURE ")) return rid_and<StoreLogSecure>(in, parse_key);
  if (consume(in, "KEYS ")) return rid_and<StoreLogKeys>(in, parse_keys);
  if (consume(in, "NOTIFIER ")) return rid_and<StoreLogNotifier>(in, parse_any_notifier);
  if (consume(in, "SUSPEND ")) return rid_only<StoreLogSuspend>(in);
  if (consume(in, "BLOCK ")) return rid_and<StoreLogBlock>(in, parse_blocking);
  if (consume(in, "UNBLOCK ")) return rid_only<StoreLogUnblock>(in);
  if (consume(in, "DELETE ")) return rid_only<StoreLogDelete>(in);
  if (consume(in, "NDELETE ")) return rid_only<StoreLogDeleteNotifier>(in);
  if (consume(in, "TIME ")) return rid_and<StoreLogTime>(in, parse_signed_decimal);
  if (consume(in, "NEW_SERVICE ")) {
    SMP_TRY(ServiceRecord service, parse_service(in));
    SMP_TRY_VOID(expect_end(in));
    return StoreLogNewService{std::move(service)};
  }
  if (consume(in, "QUEUE_SERVICE ")) {
    SMP_TRY(QueueId rid, parse_id(in));
    SMP_TRY_VOID(expect(in, " "));
    SMP_TRY(StoreLogQueueService r, parse_queue_service(in));
    SMP_TRY_VOID(expect_end(in));
    r.rid = rid;
    return r;
  }
  return make_error_code(errc::bad_tag);
}

// --- formatting ------------------------------------------------------------------------------

void append_id(std::string& out, const QueueId& id) { enc::b64url_encode_append(out, view(id)); }

void append_keys(std::string& out, const crypto::PublicKey& first,
                 const std::vector<crypto::PublicKey>& more) {
  crypto::str_encode_append(out, first);
  for (const auto& k : more) {
    out += ',';
    crypto::str_encode_append(out, k);
  }
}

void append_blocking(std::string& out, const BlockingInfo& info) {
  out += "reason=";
  out += text_of(info.reason, kReasons);
  if (info.notice) {
    out += ",notice={";
    if (info.notice->ttl) {
      out += "\"ttl\":";
      out += std::to_string(*info.notice->ttl);
    }
    out += '}';
  }
}

void append_notifier(std::string& out, const NotifierCredentials& n) {
  append_id(out, n.notifier_id);
  out += ' ';
  crypto::str_encode_append(out, n.notifier_key);
  out += ' ';
  enc::b64url_encode_append(out, n.dh_secret ? n.dh_secret->view() : DhSecret25519().view());
  if (n.service_id) {
    out += " nsrv=";
    append_id(out, *n.service_id);
  }
}

void append_link_data(std::string& out, const QueueLinkData& link) {
  enc::b64url_encode_append(out, link.fixed_data);
  out += ' ';
  enc::b64url_encode_append(out, link.user_data);
}

// Appends the record's line (without the newline) to `out`, with no temporary strings.
struct Appender {
  std::string& out;

  void rid(std::string_view keyword, const QueueId& id) const {
    out += keyword;
    out += ' ';
    append_id(out, id);
  }

  void operator()(const StoreLogCreate& c) const {
    const QueueRecord& q = c.queue;
    out += "CREATE rid=";
    append_id(out, q.recipient_id);
    out += " rk=";
    append_keys(out, q.recipient_key, q.more_recipient_keys);
    out += " rdh=";
    enc::b64url_encode_append(out, q.recipient_dh_secret.view());
    out += " sid=";
    append_id(out, q.sender_id);
    out += " sk=";
    if (q.sender_key) crypto::str_encode_append(out, *q.sender_key);
    if (q.mode) {
      out += " queue_mode=";
      out += text_of(*q.mode, kQueueModes);
    }
    if (q.link) {
      out += " link_id=";
      append_id(out, q.link->link_id);
      out += " queue_data=";
      append_link_data(out, *q.link);
    }
    if (q.notifier) {
      out += " notifier=";
      append_notifier(out, *q.notifier);
    }
    if (q.updated_at) {
      out += " updated_at=";
      out += std::to_string(*q.updated_at);
    }
    if (q.status == QueueStatus::off) out += " status=off";
    if (q.status == QueueStatus::blocked) {
      out += " status=blocked,";
      append_blocking(out, q.blocking);
    }
    if (q.recipient_service) {
      out += " rsrv=";
      append_id(out, *q.recipient_service);
    }
  }
  void operator()(const StoreLogLink& r) const {
    rid("LINK", r.rid);
    out += ' ';
    append_id(out, r.link.link_id);
    out += ' ';
    append_link_data(out, r.link);
  }
  void operator()(const StoreLogDeleteLink& r) const { rid("LDELETE", r.rid); }
  void operator()(const StoreLogSecure& r) const {
    rid("SECURE", r.rid);
    out += ' ';
    crypto::str_encode_append(out, r.key);
  }
  void operator()(const StoreLogKeys& r) const {
    rid("KEYS", r.rid);
    out += ' ';
    if (!r.keys.empty()) append_keys(out, r.keys.front(), {r.keys.begin() + 1, r.keys.end()});
  }
  void operator()(const StoreLogNotifier& r) const {
    rid("NOTIFIER", r.rid);
    out += ' ';
    append_notifier(out, r.creds);
  }
  void operator()(const StoreLogSuspend& r) const { rid("SUSPEND", r.rid); }
  void operator()(const StoreLogBlock& r) const {
    rid("BLOCK", r.rid);
    out += ' ';
    append_blocking(out, r.info);
  }
  void operator()(const StoreLogUnblock& r) const { rid("UNBLOCK", r.rid); }
  void operator()(const StoreLogDelete& r) const { rid("DELETE", r.rid); }
  void operator()(const StoreLogDeleteNotifier& r) const { rid("NDELETE", r.rid); }
  void operator()(const StoreLogTime& r) const {
    rid("TIME", r.rid);
    out += ' ';
    out += std::to_string(r.date);
  }
  void operator()(const StoreLogNewService& r) const {
    const ServiceRecord& s = r.service;
    out += "NEW_SERVICE service_id=";
    append_id(out, s.id);
    out += " role=";
    out += text_of(s.role, kRoles);
    out += " cert=";
    for (std::size_t i = 0; i < s.certificate_chain.size(); ++i) {
      if (i > 0) out += ',';
      enc::b64url_encode_append(out, s.certificate_chain[i]);
    }
    out += " cert_hash=";
    enc::b64url_encode_append(out, s.certificate_hash);
    out += " created_at=";
    out += std::to_string(s.created_at);
  }
  void operator()(const StoreLogQueueService& r) const {
    rid("QUEUE_SERVICE", r.rid);
    out += ' ';
    out += text_of(r.party, kParties);  // the space after the party is part of its text
    if (r.service_id) append_id(out, *r.service_id);
  }
};

}  // namespace

std::string format_store_log_record(const StoreLogRecord& record) {
  std::string line;
  append_store_log_line(line, record);
  line.pop_back();
  return line;
}

void append_store_log_line(std::string& out, const StoreLogRecord& record) {
  std::visit(Appender{out}, record);
  out += '\n';
}

Result<StoreLogRecord> parse_store_log_line(std::string_view line) {
  return parse_record(log_text::strip_cr(line));
}

std::string_view store_log_keyword(std::string_view line) {
  // Longer keywords first where one is a prefix of another's start ("DELETE" / "NDELETE" are
  // distinct; "NEW_SERVICE" and "NOTIFIER" both start with N).
  for (std::string_view k : {"CREATE", "LINK", "LDELETE", "SECURE", "KEYS", "NOTIFIER",
                             "SUSPEND", "BLOCK", "UNBLOCK", "DELETE", "NDELETE", "TIME",
                             "NEW_SERVICE", "QUEUE_SERVICE"}) {
    if (line.starts_with(k) && (line.size() == k.size() || line[k.size()] == ' ')) return k;
  }
  return "unknown";
}

}  // namespace smp::server
