#include "smp/server/store_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "server_test_util.h"
#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/server/store_log_backups.h"
#include "support/vectors.h"

namespace smp::server {
namespace {

using test::make_id;
using test::make_key;
using test::make_queue;
using test::read_lines;
using test::TempDir;

QueueId id_of(std::string_view b64) { return *queue_id_from(*enc::b64url_decode(b64)); }

using test::error_of;

void expect_round_trip(const StoreLogRecord& rec) {
  std::string line = format_store_log_record(rec);
  auto parsed = parse_store_log_line(line);
  ASSERT_TRUE(parsed) << line;
  EXPECT_EQ(format_store_log_record(parsed.value()), line);
  EXPECT_EQ(parsed.value().index(), rec.index());
}

// --- format / parse --------------------------------------------------------------------------

QueueLinkData link_data(std::uint32_t seed) {
  return QueueLinkData{make_id(seed, 5), Bytes(50, static_cast<std::uint8_t>(seed)),
                       Bytes(70, static_cast<std::uint8_t>(seed + 1))};
}

ServiceRecord service_record(std::uint32_t seed) {
  return ServiceRecord{make_id(seed, 7), ServiceRole::notifier,
                       {Bytes(30, static_cast<std::uint8_t>(seed)), Bytes(40, 1)},
                       Bytes(32, static_cast<std::uint8_t>(seed)), 1'733'356'800};
}

// A queue with every field set.
QueueRecord full_queue(std::uint32_t seed) {
  QueueRecord q = make_queue(seed);
  q.more_recipient_keys = {make_key(seed + 1, crypto::KeyAlgorithm::x25519)};
  q.sender_key = make_key(seed + 2, crypto::KeyAlgorithm::ed448);
  q.mode = QueueMode::messaging;
  q.link = std::make_shared<const QueueLinkData>(link_data(seed));
  q.notifier = NotifierCredentials{make_id(seed, 3), make_key(seed + 3),
                                   DhSecret25519::from(Bytes(32, 0x33)), make_id(seed, 8)};
  q.status = QueueStatus::blocked;
  q.blocking = BlockingInfo{BlockingReason::content, ClientNotice{3600}};
  q.updated_at = 1'733'356'800;
  q.recipient_service = make_id(seed, 9);
  return q;
}

TEST(StoreLogFormat, EveryRecordKindRoundTrips) {
  QueueRecord q = make_queue(1);
  expect_round_trip(StoreLogCreate{q});
  q.sender_key = make_key(9, crypto::KeyAlgorithm::ed448);
  expect_round_trip(StoreLogCreate{q});
  q.notifier = NotifierCredentials{make_id(3, 3), make_key(10)};
  expect_round_trip(StoreLogCreate{q});
  q.sender_key.reset();
  expect_round_trip(StoreLogCreate{q});
  expect_round_trip(StoreLogCreate{full_queue(2)});
  const QueueId rid = make_id(1, 1);
  expect_round_trip(StoreLogLink{rid, link_data(3)});
  expect_round_trip(StoreLogDeleteLink{rid});
  expect_round_trip(StoreLogSecure{rid, make_key(4, crypto::KeyAlgorithm::ed448)});
  expect_round_trip(StoreLogSecure{rid, make_key(4, crypto::KeyAlgorithm::x25519)});
  expect_round_trip(StoreLogKeys{rid, {make_key(5)}});
  expect_round_trip(StoreLogKeys{rid, {make_key(5), make_key(6, crypto::KeyAlgorithm::x25519)}});
  expect_round_trip(StoreLogNotifier{rid, NotifierCredentials{make_id(2, 3), make_key(5)}});
  expect_round_trip(StoreLogNotifier{rid, full_queue(4).notifier.value()});
  expect_round_trip(StoreLogSuspend{rid});
  expect_round_trip(StoreLogBlock{rid, BlockingInfo{BlockingReason::spam, std::nullopt}});
  expect_round_trip(StoreLogBlock{rid, BlockingInfo{BlockingReason::content, ClientNotice{}}});
  expect_round_trip(StoreLogBlock{rid, BlockingInfo{BlockingReason::spam, ClientNotice{-5}}});
  expect_round_trip(StoreLogUnblock{rid});
  expect_round_trip(StoreLogDelete{rid});
  expect_round_trip(StoreLogDeleteNotifier{rid});
  expect_round_trip(StoreLogTime{rid, 1'733'356'800});
  expect_round_trip(StoreLogNewService{service_record(5)});
  expect_round_trip(StoreLogQueueService{rid, ServiceParty::recipient, make_id(5, 7)});
  expect_round_trip(StoreLogQueueService{rid, ServiceParty::notifier, std::nullopt});
}

TEST(StoreLogFormat, CreateRoundTripKeepsEveryField) {
  for (const QueueRecord& q : {full_queue(7), [] {
         QueueRecord q = make_queue(7);
         q.sender_key = make_key(8, crypto::KeyAlgorithm::ed448);
         q.notifier = NotifierCredentials{make_id(7, 3), make_key(9)};
         q.status = QueueStatus::off;
         return q;
       }()}) {
    auto parsed = parse_store_log_line(format_store_log_record(StoreLogCreate{q}));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(std::get<StoreLogCreate>(*parsed).queue, q);
  }
}

TEST(StoreLogFormat, RecordsThatCarryDataKeepIt) {
  auto parsed = parse_store_log_line(format_store_log_record(StoreLogLink{make_id(1, 1), link_data(2)}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<StoreLogLink>(*parsed).link, link_data(2));
  parsed = parse_store_log_line(format_store_log_record(StoreLogNewService{service_record(3)}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<StoreLogNewService>(*parsed).service, service_record(3));
  NotifierCredentials n = full_queue(4).notifier.value();
  parsed = parse_store_log_line(format_store_log_record(StoreLogNotifier{make_id(1, 1), n}));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::get<StoreLogNotifier>(*parsed).creds, n);
}

TEST(StoreLogFormat, WritesTheReferenceLayout) {
  QueueRecord q = make_queue(2);
  std::string rid = enc::b64url_encode(view(q.recipient_id));
  std::string sid = enc::b64url_encode(view(q.sender_id));
  std::string rk = crypto::str_encode(q.recipient_key);
  std::string rdh = enc::b64url_encode(q.recipient_dh_secret.view());
  // An SMP v1 queue: the same line as before 6.5.5's fields (they are all absent).
  EXPECT_EQ(format_store_log_record(StoreLogCreate{q}),
            "CREATE rid=" + rid + " rk=" + rk + " rdh=" + rdh + " sid=" + sid + " sk=");
  crypto::PublicKey sk = make_key(3);
  EXPECT_EQ(format_store_log_record(StoreLogSecure{q.recipient_id, sk}),
            "SECURE " + rid + " " + crypto::str_encode(sk));
  // A v1 notifier has no DH secret: 32 zero bytes stand for it.
  EXPECT_EQ(format_store_log_record(StoreLogNotifier{q.recipient_id, {q.sender_id, sk}}),
            "NOTIFIER " + rid + " " + sid + " " + crypto::str_encode(sk) + " " +
                enc::b64url_encode(Bytes(32, 0)));
  EXPECT_EQ(format_store_log_record(StoreLogDelete{q.recipient_id}), "DELETE " + rid);
  EXPECT_EQ(format_store_log_record(StoreLogSuspend{q.recipient_id}), "SUSPEND " + rid);
}

// Known answers: lines as the reference's StrEncoding instances write them (StoreLogRecord
// and QueueRec's strEncode in Server/StoreLog.hs, NtfCreds / ServiceRec /
// ServerEntityStatus in Server/QueueStore.hs, BlockingInfo in Protocol.hs, at 6.5.5), built
// by hand from fixed bytes: ids of one repeated byte, keys as SubjectPublicKeyInfo DER.
constexpr std::string_view kRid = "ERERERERERERERERERERERERERERERER";         // 0x11 × 24
constexpr std::string_view kSid = "ISEhISEhISEhISEhISEhISEhISEhISEh";         // 0x21 × 24
constexpr std::string_view kNid = "MTExMTExMTExMTExMTExMTExMTExMTEx";         // 0x31 × 24
constexpr std::string_view kLinkId = "cXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFx";      // 0x71 × 24
constexpr std::string_view kServiceId = "UVFRUVFRUVFRUVFRUVFRUVFRUVFRUVFR";   // 0x51 × 24
constexpr std::string_view kX25519 = "MCowBQYDK2VuAyEAAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
constexpr std::string_view kEd25519 = "MCowBQYDK2VwAyEAAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
constexpr std::string_view kDh = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";  // 0x01 × 32
constexpr std::string_view kNtfDh = "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=";  // 0x33 × 32

QueueId fill_id(std::uint8_t b) {
  QueueId id;
  id.fill(b);
  return id;
}

crypto::PublicKey fill_key(crypto::KeyAlgorithm alg, std::uint8_t b) {
  return crypto::PublicKey::from_raw(alg, Bytes(crypto::public_key_size(alg), b)).value();
}

TEST(StoreLogKnownAnswers, CreateWithEveryField) {
  QueueRecord q{.recipient_id = fill_id(0x11),
                .sender_id = fill_id(0x21),
                .recipient_key = fill_key(crypto::KeyAlgorithm::x25519, 1),
                .recipient_dh_secret = *DhSecret25519::from(Bytes(32, 1))};
  q.more_recipient_keys = {fill_key(crypto::KeyAlgorithm::ed25519, 2)};
  q.sender_key = fill_key(crypto::KeyAlgorithm::ed25519, 2);
  q.mode = QueueMode::contact;
  q.link = std::make_shared<const QueueLinkData>(
      QueueLinkData{fill_id(0x71), to_bytes(as_bytes("fixed")), to_bytes(as_bytes("user"))});
  q.notifier = NotifierCredentials{fill_id(0x31), fill_key(crypto::KeyAlgorithm::x25519, 1),
                                   DhSecret25519::from(Bytes(32, 0x33)), fill_id(0x51)};
  q.updated_at = 1733356800;
  q.status = QueueStatus::blocked;
  q.blocking = BlockingInfo{BlockingReason::spam, std::nullopt};
  q.recipient_service = fill_id(0x51);
  const std::string line =
      "CREATE rid=" + std::string(kRid) + " rk=" + std::string(kX25519) + "," +
      std::string(kEd25519) + " rdh=" + std::string(kDh) + " sid=" + std::string(kSid) +
      " sk=" + std::string(kEd25519) + " queue_mode=C link_id=" + std::string(kLinkId) +
      " queue_data=Zml4ZWQ= dXNlcg== notifier=" + std::string(kNid) + " " + std::string(kX25519) +
      " " + std::string(kNtfDh) + " nsrv=" + std::string(kServiceId) +
      " updated_at=1733356800 status=blocked,reason=spam rsrv=" + std::string(kServiceId);
  EXPECT_EQ(format_store_log_record(StoreLogCreate{q}), line);
  auto parsed = parse_store_log_line(line);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(std::get<StoreLogCreate>(*parsed).queue, q);
}

TEST(StoreLogKnownAnswers, EveryOtherRecord) {
  const QueueId rid = fill_id(0x11);
  const std::string r(kRid);
  struct Case {
    StoreLogRecord record;
    std::string line;
  };
  const std::vector<Case> cases{
      {StoreLogLink{rid, QueueLinkData{fill_id(0x71), to_bytes(as_bytes("fixed")),
                                       to_bytes(as_bytes("user"))}},
       "LINK " + r + " " + std::string(kLinkId) + " Zml4ZWQ= dXNlcg=="},
      {StoreLogDeleteLink{rid}, "LDELETE " + r},
      {StoreLogSecure{rid, fill_key(crypto::KeyAlgorithm::x25519, 1)},
       "SECURE " + r + " " + std::string(kX25519)},
      {StoreLogKeys{rid, {fill_key(crypto::KeyAlgorithm::x25519, 1),
                          fill_key(crypto::KeyAlgorithm::ed25519, 2)}},
       "KEYS " + r + " " + std::string(kX25519) + "," + std::string(kEd25519)},
      {StoreLogNotifier{rid, NotifierCredentials{fill_id(0x31),
                                                 fill_key(crypto::KeyAlgorithm::ed25519, 2),
                                                 DhSecret25519::from(Bytes(32, 0x33))}},
       "NOTIFIER " + r + " " + std::string(kNid) + " " + std::string(kEd25519) + " " +
           std::string(kNtfDh)},
      {StoreLogNotifier{rid, NotifierCredentials{fill_id(0x31),
                                                 fill_key(crypto::KeyAlgorithm::ed25519, 2),
                                                 DhSecret25519::from(Bytes(32, 0x33)),
                                                 fill_id(0x51)}},
       "NOTIFIER " + r + " " + std::string(kNid) + " " + std::string(kEd25519) + " " +
           std::string(kNtfDh) + " nsrv=" + std::string(kServiceId)},
      {StoreLogSuspend{rid}, "SUSPEND " + r},
      {StoreLogBlock{rid, BlockingInfo{BlockingReason::spam, std::nullopt}},
       "BLOCK " + r + " reason=spam"},
      // aeson's encoding of ClientNotice (omitNothingFields): {} without a ttl.
      {StoreLogBlock{rid, BlockingInfo{BlockingReason::content, ClientNotice{}}},
       "BLOCK " + r + " reason=content,notice={}"},
      {StoreLogBlock{rid, BlockingInfo{BlockingReason::content, ClientNotice{86400}}},
       "BLOCK " + r + " reason=content,notice={\"ttl\":86400}"},
      {StoreLogUnblock{rid}, "UNBLOCK " + r},
      {StoreLogDelete{rid}, "DELETE " + r},
      {StoreLogDeleteNotifier{rid}, "NDELETE " + r},
      {StoreLogTime{rid, 1733356800}, "TIME " + r + " 1733356800"},
      {StoreLogNewService{ServiceRecord{fill_id(0x51), ServiceRole::notifier,
                                        {to_bytes(as_bytes("leaf")), to_bytes(as_bytes("ca"))},
                                        Bytes(4, 0xAB), 1733356800}},
       "NEW_SERVICE service_id=" + std::string(kServiceId) +
           " role=N cert=bGVhZg==,Y2E= cert_hash=q6urqw== created_at=1733356800"},
      {StoreLogNewService{ServiceRecord{fill_id(0x51), ServiceRole::proxy,
                                        {to_bytes(as_bytes("leaf"))}, Bytes(4, 0xAB), 0}},
       "NEW_SERVICE service_id=" + std::string(kServiceId) +
           " role=P cert=bGVhZg== cert_hash=q6urqw== created_at=0"},
      // strEncode of a tuple ending in Nothing: B.unwords leaves the trailing space.
      {StoreLogQueueService{rid, ServiceParty::notifier, std::nullopt},
       "QUEUE_SERVICE " + r + " N "},
      {StoreLogQueueService{rid, ServiceParty::recipient, fill_id(0x51)},
       "QUEUE_SERVICE " + r + " R " + std::string(kServiceId)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(format_store_log_record(c.record), c.line);
    auto parsed = parse_store_log_line(c.line);
    ASSERT_TRUE(parsed) << c.line << ": " << parsed.error().message();
    EXPECT_EQ(parsed->index(), c.record.index()) << c.line;
    EXPECT_EQ(format_store_log_record(*parsed), c.line);
  }
}

// What SMP v1 and older reference versions wrote, still read.
TEST(StoreLogKnownAnswers, LegacyForms) {
  const std::string r(kRid);
  // v1's NOTIFIER: no DH secret.
  auto n = parse_store_log_line("NOTIFIER " + r + " " + std::string(kNid) + " " + std::string(kEd25519));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::get<StoreLogNotifier>(*n).creds,
            (NotifierCredentials{fill_id(0x31), fill_key(crypto::KeyAlgorithm::ed25519, 2)}));
  // v1's CREATE with a notifier.
  const std::string create = "CREATE rid=" + r + " rk=" + std::string(kEd25519) + " rdh=" +
                             std::string(kDh) + " sid=" + std::string(kSid) + " sk=";
  auto c = parse_store_log_line(create + " nid=" + std::string(kNid) + " nk=" + std::string(kEd25519));
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<StoreLogCreate>(*c).queue.notifier,
            (NotifierCredentials{fill_id(0x31), fill_key(crypto::KeyAlgorithm::ed25519, 2)}));
  // sndSecure=T/F before queue_mode existed (QueueRec's strP: toQueueMode).
  for (auto [flag, mode] : {std::pair{"T", QueueMode::messaging}, {"F", QueueMode::contact}}) {
    auto q = parse_store_log_line(create + " sndSecure=" + flag);
    ASSERT_TRUE(q) << flag;
    EXPECT_EQ(std::get<StoreLogCreate>(*q).queue.mode, mode);
  }
  // status=active is never written but read.
  auto active = parse_store_log_line(create + " status=active");
  ASSERT_TRUE(active);
  EXPECT_EQ(std::get<StoreLogCreate>(*active).queue.status, QueueStatus::active);
  // {"ttl":null} is aeson's other spelling of no ttl.
  auto b = parse_store_log_line("BLOCK " + r + " reason=spam,notice={\"ttl\":null}");
  ASSERT_TRUE(b);
  EXPECT_EQ(std::get<StoreLogBlock>(*b).info, (BlockingInfo{BlockingReason::spam, ClientNotice{}}));
}

TEST(StoreLogParse, RejectsMalformedNewRecords) {
  const std::string r(kRid);
  const std::string create = "CREATE rid=" + r + " rk=" + std::string(kEd25519) + " rdh=" +
                             std::string(kDh) + " sid=" + std::string(kSid) + " sk=";
  EXPECT_EQ(error_of(parse_store_log_line(create + " queue_mode=X")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(create + " sndSecure=Y")), errc::bad_syntax);
  // Fields out of the reference's order.
  EXPECT_EQ(error_of(parse_store_log_line(create + " updated_at=1 queue_mode=M")),
            errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_store_log_line(create + " status=off updated_at=1")),
            errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_store_log_line(create + " link_id=" + std::string(kLinkId))),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(create + " status=blocked,reason=other")),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(create + " updated_at=x")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(create + " updated_at=99999999999999999999")),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("KEYS " + r + " " + std::string(kEd25519) + ",")),
            errc::bad_base64);
  EXPECT_EQ(error_of(parse_store_log_line("TIME " + r)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("BLOCK " + r + " reason=spam,notice={\"ttl\":1")),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("BLOCK " + r + " reason=spam,notice={\"x\":1}")),
            errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("QUEUE_SERVICE " + r + " X ")), errc::bad_syntax);
  // A torn QUEUE_SERVICE that lost its trailing space does not read as "no service".
  EXPECT_EQ(error_of(parse_store_log_line("QUEUE_SERVICE " + r + " N")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("NEW_SERVICE service_id=" + std::string(kServiceId) +
                                          " role=Q cert= cert_hash=q6urqw== created_at=0")),
            errc::bad_syntax);
  // X448 never authorizes.
  std::string x448 = crypto::str_encode(make_key(1, crypto::KeyAlgorithm::x448));
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + r + " " + x448)), errc::wrong_algorithm);
}

// The example of spec §5: Ed25519 rk, ids 00..17 and 18..2f, rdh = "0123456789:;<=>?@ABCDEFGHIJKLMNO".
constexpr std::string_view kSpecExample =
    "CREATE rid=AAECAwQFBgcICQoLDA0ODxAREhMUFRYX "
    "rk=MCowBQYDK2VwAyEAO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= "
    "rdh=MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTk8= "
    "sid=GBkaGxwdHh8gISIjJCUmJygpKissLS4v sk=";

TEST(StoreLogParse, ParsesTheSpecExample) {
  auto r = parse_store_log_line(kSpecExample);
  ASSERT_TRUE(r) << r.error().message();
  const QueueRecord& q = std::get<StoreLogCreate>(*r).queue;
  for (std::size_t i = 0; i < 24; ++i) {
    EXPECT_EQ(q.recipient_id[i], i);
    EXPECT_EQ(q.sender_id[i], i + 24);
  }
  EXPECT_EQ(q.recipient_key.algorithm(), crypto::KeyAlgorithm::ed25519);
  EXPECT_EQ(as_chars(q.recipient_dh_secret.view()), "0123456789:;<=>?@ABCDEFGHIJKLMNO");
  EXPECT_FALSE(q.sender_key);
  EXPECT_FALSE(q.notifier);
  EXPECT_EQ(q.status, QueueStatus::active);
  EXPECT_EQ(format_store_log_record(*r), kSpecExample);
}

TEST(StoreLogParse, StripsOneTrailingCarriageReturn) {
  std::string line(kSpecExample);
  EXPECT_TRUE(parse_store_log_line(line + "\r"));
  EXPECT_EQ(error_of(parse_store_log_line(line + "\r\r")), errc::bad_base64);
}

TEST(StoreLogParse, RejectsMalformedLines) {
  std::string ex(kSpecExample);
  std::string rid = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYX";
  std::string key = "MCowBQYDK2VwAyEAO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=";
  EXPECT_EQ(error_of(parse_store_log_line("")), errc::bad_tag);
  EXPECT_EQ(error_of(parse_store_log_line("RENAME " + rid)), errc::bad_tag);
  EXPECT_EQ(error_of(parse_store_log_line("delete " + rid)), errc::bad_tag);
  EXPECT_EQ(error_of(parse_store_log_line("DELETE")), errc::bad_tag);
  EXPECT_EQ(error_of(parse_store_log_line("DELETE " + rid + " ")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_store_log_line("DELETE  " + rid)), errc::bad_base64);
  EXPECT_EQ(error_of(parse_store_log_line("DELETE AAECAwQFBgcICQoLDA0ODxAREhMU")),
            errc::bad_syntax);  // 21 bytes, not an id
  EXPECT_EQ(error_of(parse_store_log_line("SUSPEND " + rid + "x")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_store_log_line("SUSPEND " + rid + "AA")), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + rid)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + rid + "  " + key)), errc::bad_base64);
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + rid + " " + key.substr(0, 40))),
            errc::bad_der);
  // An X448 key where an authorization key belongs.
  std::string x448 = crypto::str_encode(make_key(1, crypto::KeyAlgorithm::x448));
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + rid + " " + x448)), errc::wrong_algorithm);
  EXPECT_EQ(error_of(parse_store_log_line("NOTIFIER " + rid + " " + key)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(ex + " ")), errc::trailing_bytes);
  EXPECT_EQ(error_of(parse_store_log_line(ex + "x")), errc::bad_base64);
  EXPECT_EQ(error_of(parse_store_log_line(ex + " nid=" + rid)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(ex + " nid=" + rid + " nk=" + key + " ")),
            errc::trailing_bytes);
  EXPECT_TRUE(parse_store_log_line(ex + " nid=" + rid + " nk=" + key));
  // Fields out of order or renamed.
  std::string swapped = ex;
  swapped.replace(swapped.find("rk="), 3, "sk=");
  EXPECT_EQ(error_of(parse_store_log_line(swapped)), errc::bad_syntax);
  // A DH secret of 31 bytes.
  std::string short_dh = ex;
  short_dh.replace(short_dh.find("MDEy"), 44, "MDEyMzQ1Njc4OTo7PD0-P0BBQkNERUZHSElKS0xNTg==");
  EXPECT_EQ(error_of(parse_store_log_line(short_dh)), errc::bad_syntax);
}

// --- StoreLog appends ------------------------------------------------------------------------

TEST(StoreLogAppend, WritesOneLinePerRecordAndCreatesTheFile) {
  TempDir dir;
  auto path = dir / "smp-server-store.log";
  auto log = StoreLog::open_for_append(path);
  ASSERT_TRUE(log);
  QueueRecord q = make_queue(1);
  ASSERT_TRUE((*log)->append(StoreLogCreate{q}));
  ASSERT_TRUE((*log)->append(StoreLogSecure{q.recipient_id, make_key(2)}));
  ASSERT_TRUE((*log)->append(StoreLogSuspend{q.recipient_id}));
  auto lines = read_lines(path);  // visible without close: every append is written through
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], format_store_log_record(StoreLogCreate{q}));
  EXPECT_TRUE(lines[2].starts_with("SUSPEND "));
  ASSERT_TRUE((*log)->close());
  EXPECT_FALSE((*log)->append(StoreLogDelete{q.recipient_id}));
}

TEST(StoreLogAppend, StartsANewLineAfterATornOne) {
  TempDir dir;
  auto path = dir / "store.log";
  test::write_file(path, "CREATE rid=AAEC");
  auto log = StoreLog::open_for_append(path, StoreLogOptions{.sync_each_append = true});
  ASSERT_TRUE(log);
  ASSERT_TRUE((*log)->append(StoreLogDelete{make_id(1, 1)}));
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "CREATE rid=AAEC");
  EXPECT_EQ(lines[1], format_store_log_record(StoreLogDelete{make_id(1, 1)}));
}

TEST(StoreLogAppend, FailsToOpenInAMissingDirectory) {
  TempDir dir;
  auto r = StoreLog::open_for_append(dir / "no-such-dir" / "store.log");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::io_error));
}

// --- load and compact ------------------------------------------------------------------------

struct Loaded {
  std::unique_ptr<StoreLog> log;
  StoreLogLoadReport report;
};

Loaded load(const std::filesystem::path& path, QueueStore& store) {
  auto r = load_and_compact_store_log(path, store);
  EXPECT_TRUE(r) << r.error().message();
  if (!r) return {};
  return Loaded{std::move(r->first), std::move(r->second)};
}

TEST(StoreLogLoad, CreatesAMissingFile) {
  TempDir dir;
  QueueStore store;
  auto loaded = load(dir / "store.log", store);
  EXPECT_TRUE(std::filesystem::exists(dir / "store.log"));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(loaded.report.lines, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "store.log.tmp"));
}

TEST(StoreLogLoad, ReplaysEveryRecordKind) {
  TempDir dir;
  auto path = dir / "store.log";
  QueueRecord a = make_queue(1), b = make_queue(2), c = make_queue(3), d = make_queue(4);
  crypto::PublicKey sk = make_key(20, crypto::KeyAlgorithm::ed448);
  NotifierCredentials nc{make_id(9, 3), make_key(21)};
  {
    auto log = StoreLog::open_for_append(path);
    ASSERT_TRUE(log);
    for (const auto& rec : std::vector<StoreLogRecord>{
             StoreLogCreate{a}, StoreLogCreate{b}, StoreLogCreate{c}, StoreLogCreate{d},
             StoreLogSecure{a.recipient_id, sk}, StoreLogNotifier{a.recipient_id, nc},
             StoreLogDelete{b.recipient_id}, StoreLogSuspend{c.recipient_id},
             StoreLogSecure{b.recipient_id, sk},  // for a deleted queue: ignored
             StoreLogDelete{make_id(77, 1)}})
      ASSERT_TRUE((*log)->append(rec));
  }
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(loaded.report.lines, 10u);
  EXPECT_EQ(loaded.report.skipped_lines, 0u);
  EXPECT_EQ(loaded.report.queues, 3u);
  auto qa = store.by_recipient(a.recipient_id);
  ASSERT_TRUE(qa);
  EXPECT_EQ(qa->sender_key, sk);
  EXPECT_EQ(qa->notifier, nc);
  EXPECT_EQ(store.by_notifier(nc.notifier_id)->recipient_id, a.recipient_id);
  EXPECT_FALSE(store.by_recipient(b.recipient_id));
  EXPECT_FALSE(store.by_sender(b.sender_id));
  EXPECT_EQ(store.by_recipient(c.recipient_id)->status, QueueStatus::off);
  EXPECT_EQ(store.by_recipient(d.recipient_id)->status, QueueStatus::active);

  // The compacted log keeps the suspended queue, its status in its CREATE as the reference
  // writes it, in recipient-id order.
  auto lines = read_lines(path);
  qa->status = QueueStatus::active;
  QueueRecord c_off = c;
  c_off.status = QueueStatus::off;
  std::vector<std::pair<QueueId, std::string>> expected = {
      {qa->recipient_id, format_store_log_record(StoreLogCreate{*qa})},
      {c.recipient_id, format_store_log_record(StoreLogCreate{c_off})},
      {d.recipient_id, format_store_log_record(StoreLogCreate{d})}};
  std::sort(expected.begin(), expected.end());
  ASSERT_EQ(lines.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(lines[i], expected[i].second);
  EXPECT_TRUE(format_store_log_record(StoreLogCreate{c_off}).ends_with(" status=off"));

  // The reopened log appends after the compacted records.
  ASSERT_TRUE(loaded.log->append(StoreLogDelete{d.recipient_id}));
  ASSERT_TRUE(loaded.log->close());
  QueueStore again;
  auto reloaded = load(path, again);
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again.by_recipient(c.recipient_id)->status, QueueStatus::off);
  EXPECT_FALSE(again.by_recipient(d.recipient_id));
}

TEST(StoreLogLoad, TornLastLineIsSkippedAndOtherQueuesKept) {
  TempDir dir;
  auto path = dir / "store.log";
  std::string text;
  for (std::uint32_t i = 0; i < 5; ++i)
    text += format_store_log_record(StoreLogCreate{make_queue(i)}) + "\n";
  std::string last = format_store_log_record(StoreLogCreate{make_queue(99)});
  text += last.substr(0, last.size() / 2);  // half a record, no newline
  test::write_file(path, text);
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(store.size(), 5u);
  EXPECT_EQ(loaded.report.lines, 6u);
  EXPECT_EQ(loaded.report.skipped_lines, 1u);
  ASSERT_EQ(loaded.report.errors.size(), 1u);
  EXPECT_EQ(loaded.report.errors[0].rfind("line 6 (CREATE): ", 0), 0u) << loaded.report.errors[0];
  EXPECT_FALSE(store.by_recipient(make_queue(99).recipient_id));
  EXPECT_EQ(read_lines(path).size(), 5u);
}

TEST(StoreLogLoad, GarbageLinesAreSkippedAndReportedWithoutSecrets) {
  TempDir dir;
  auto path = dir / "store.log";
  QueueRecord a = make_queue(1), b = make_queue(2);
  std::string create_b = format_store_log_record(StoreLogCreate{b});
  std::string corrupted = create_b;
  corrupted[corrupted.find("rdh=") + 6] = '!';  // a garbled DH secret
  std::string text = format_store_log_record(StoreLogCreate{a}) + "\n" +
                     "\x01\x02 binary junk\xff\n" + "\n" + corrupted + "\r\n" + "SECURE\n" +
                     create_b + "\r\n";
  test::write_file(path, text);
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(loaded.report.lines, 6u);
  EXPECT_EQ(loaded.report.skipped_lines, 4u);
  ASSERT_EQ(loaded.report.errors.size(), 4u);
  EXPECT_EQ(loaded.report.errors[0], "line 2 (unknown): " + std::string(errc_name(errc::bad_tag)));
  EXPECT_EQ(loaded.report.errors[1], "line 3 (unknown): empty line");
  EXPECT_EQ(loaded.report.errors[2].rfind("line 4 (CREATE): ", 0), 0u);
  EXPECT_EQ(loaded.report.errors[3].rfind("line 5 (SECURE): ", 0), 0u);
  std::string rdh = enc::b64url_encode(b.recipient_dh_secret.view());
  std::string rid = enc::b64url_encode(view(b.recipient_id));
  for (const auto& e : loaded.report.errors) {
    EXPECT_EQ(e.find(rdh.substr(0, 8)), std::string::npos);
    EXPECT_EQ(e.find(rid.substr(0, 8)), std::string::npos);
  }
  EXPECT_EQ(store.by_recipient(b.recipient_id), b);
}

TEST(StoreLogLoad, KeepsTheFirstSenderKeyWhenASecondSecureWasLogged) {
  // A v1 server logs SECURE before refusing KEY for a secured queue (quirk Q2).
  TempDir dir;
  auto path = dir / "store.log";
  QueueRecord a = make_queue(1);
  crypto::PublicKey first = make_key(5), second = make_key(6);
  test::write_file(path, format_store_log_record(StoreLogCreate{a}) + "\n" +
                             format_store_log_record(StoreLogSecure{a.recipient_id, first}) + "\n" +
                             format_store_log_record(StoreLogSecure{a.recipient_id, second}) + "\n" +
                             format_store_log_record(StoreLogSecure{a.recipient_id, first}) + "\n");
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(store.by_recipient(a.recipient_id)->sender_key, first);
  EXPECT_EQ(loaded.report.skipped_lines, 1u);
}

TEST(StoreLogLoad, CreateReplacesAndSenderIdCollisionsAreSkipped) {
  TempDir dir;
  auto path = dir / "store.log";
  QueueRecord a = make_queue(1), a2 = make_queue(1), b = make_queue(2);
  a2.recipient_key = make_key(55);
  b.sender_id = a.sender_id;
  test::write_file(path, format_store_log_record(StoreLogCreate{a}) + "\n" +
                             format_store_log_record(StoreLogCreate{a2}) + "\n" +
                             format_store_log_record(StoreLogCreate{b}) + "\n");
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.by_recipient(a.recipient_id)->recipient_key, a2.recipient_key);
  EXPECT_EQ(loaded.report.skipped_lines, 1u);
}

TEST(StoreLogLoad, RefusedReplacementKeepsTheEarlierQueue) {
  TempDir dir;
  auto path = dir / "store.log";
  QueueRecord a = make_queue(1), b = make_queue(2), a2 = make_queue(1);
  a2.sender_id = b.sender_id;  // the replacement would take b's sender id
  test::write_file(path, format_store_log_record(StoreLogCreate{a}) + "\n" +
                             format_store_log_record(StoreLogCreate{b}) + "\n" +
                             format_store_log_record(StoreLogCreate{a2}) + "\n");
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(loaded.report.skipped_lines, 1u);
  EXPECT_EQ(store.by_recipient(a.recipient_id), a);
  EXPECT_EQ(store.by_sender(b.sender_id), b);
}

// --- parallel parse --------------------------------------------------------------------------

// A log with every kind of record interleaved, queues replaced, secured twice, deleted and
// re-created, garbled and empty lines, CRLF endings, a line longer than a read block and a
// torn last line: what the start-up replay has to get right in file order.
std::string mixed_log() {
  std::string text;
  auto put = [&](const StoreLogRecord& r) { text += format_store_log_record(r) + "\n"; };
  for (std::uint32_t i = 0; i < 400; ++i) {
    QueueRecord q = make_queue(i);
    put(StoreLogCreate{q});
    if (i % 3 == 0) put(StoreLogSecure{q.recipient_id, make_key(1000 + i)});
    if (i % 7 == 0) put(StoreLogSecure{q.recipient_id, make_key(2000 + i)});  // refused
    if (i % 11 == 0) put(StoreLogNotifier{q.recipient_id, {make_id(i, 3), make_key(3000 + i)}});
    if (i % 13 == 0) put(StoreLogSuspend{q.recipient_id});
    if (i % 5 == 0 && i > 0) put(StoreLogDelete{make_queue(i - 1).recipient_id});
    if (i % 17 == 0) put(StoreLogCreate{make_queue(i / 2)});  // replaces (or re-creates)
    if (i % 19 == 0) {
      QueueRecord clash = make_queue(5000 + i);
      clash.sender_id = make_queue(i).sender_id;  // sender id of another queue: skipped
      put(StoreLogCreate{clash});
    }
    if (i % 23 == 0) text += "CREATE rid=garbled\n";
    if (i % 29 == 0) text += "\n";
    if (i % 31 == 0) text += format_store_log_record(StoreLogCreate{make_queue(7000 + i)}) + "\r\n";
    if (i % 37 == 0) text += std::string(3000, 'A') + "\n";  // longer than a small block
    if (i % 41 == 0) put(StoreLogDelete{make_id(9999, 1)});  // unknown queue
  }
  std::string torn = format_store_log_record(StoreLogCreate{make_queue(9000)});
  text += torn.substr(0, torn.size() / 3);
  return text;
}

struct LoadOutcome {
  StoreLogLoadReport report;
  std::string compacted;
};

LoadOutcome load_with(const std::string& text, StoreLogLoadOptions options) {
  TempDir dir;
  auto path = dir / "store.log";
  test::write_file(path, text);
  QueueStore store;
  auto r = load_and_compact_store_log(path, store, {}, options);
  EXPECT_TRUE(r) << r.error().message();
  if (!r) return {};
  EXPECT_TRUE(r->first->close());
  return LoadOutcome{std::move(r->second), test::read_file(path)};
}

TEST(StoreLogLoad, ParallelParseGivesTheStoreAndReportOfASerialOne) {
  const std::string text = mixed_log();
  LoadOutcome serial = load_with(text, {.parse_threads = 1, .read_block_bytes = 1 << 24});
  EXPECT_GT(serial.report.queues, 300u);
  EXPECT_GT(serial.report.skipped_lines, 50u);
  EXPECT_FALSE(serial.compacted.empty());
  // Blocks of a few lines split between threads, a line longer than the block, a line cut
  // by every block boundary: the same store (its compacted log) and the same report.
  for (std::size_t threads : {2u, 3u, 4u}) {
    for (std::size_t block : {64u, 997u, 4096u, 1u << 20}) {
      SCOPED_TRACE(testing::Message() << threads << " threads, " << block << "-byte blocks");
      LoadOutcome parallel = load_with(
          text, {.parse_threads = threads, .read_block_bytes = block, .min_lines_per_thread = 1});
      EXPECT_EQ(parallel.compacted, serial.compacted);
      EXPECT_EQ(parallel.report.lines, serial.report.lines);
      EXPECT_EQ(parallel.report.queues, serial.report.queues);
      EXPECT_EQ(parallel.report.skipped_lines, serial.report.skipped_lines);
      EXPECT_EQ(parallel.report.errors, serial.report.errors);
    }
  }
}

TEST(StoreLogLoad, LinesAreCountedAsGetlineCountsThem) {
  // A final newline ends the last line; a last line without one (torn) is a line too.
  std::string create = format_store_log_record(StoreLogCreate{make_queue(1)});
  for (std::size_t block : {8u, 1u << 20}) {
    StoreLogLoadOptions o{.parse_threads = 2, .read_block_bytes = block, .min_lines_per_thread = 1};
    EXPECT_EQ(load_with(create + "\n", o).report.lines, 1u);
    EXPECT_EQ(load_with(create + "\n\n", o).report.lines, 2u);
    EXPECT_EQ(load_with(create + "\nDEL", o).report.lines, 2u);
    EXPECT_EQ(load_with("", o).report.lines, 0u);
  }
}

TEST(StoreLogLoad, CompactedLogIsInRecipientIdOrderWithTheStatusInItsCreate) {
  std::string text;
  std::vector<QueueId> rids;
  for (std::uint32_t i = 0; i < 300; ++i) {
    QueueRecord q = make_queue(i);
    rids.push_back(q.recipient_id);
    text += format_store_log_record(StoreLogCreate{q}) + "\n";
    if (i % 4 == 0) text += format_store_log_record(StoreLogSuspend{q.recipient_id}) + "\n";
  }
  std::sort(rids.begin(), rids.end());
  LoadOutcome out = load_with(text, {});
  std::vector<QueueId> order;
  std::size_t suspended = 0;
  std::istringstream lines(out.compacted);
  for (std::string line; std::getline(lines, line);) {
    auto rec = parse_store_log_line(line);
    ASSERT_TRUE(rec) << line;
    const QueueRecord& q = std::get<StoreLogCreate>(*rec).queue;
    order.push_back(q.recipient_id);
    if (q.status == QueueStatus::off) ++suspended;
  }
  EXPECT_EQ(order, rids);
  EXPECT_EQ(suspended, 75u);
}

// A crash can cut the last record anywhere; a prefix of a 6.5.5 CREATE is often a valid
// CREATE of a different queue (the optional fields are gone), so the last line without its
// newline is never applied.
TEST(StoreLogLoad, ATornLastLineIsSkippedEvenWhenItsPrefixParses) {
  QueueRecord q = full_queue(3);
  q.status = QueueStatus::off;
  const std::string line = format_store_log_record(StoreLogCreate{q});
  const std::string earlier = format_store_log_record(StoreLogCreate{make_queue(1)}) + "\n";
  std::size_t parsing_prefixes = 0;
  for (std::size_t n = 1; n <= line.size(); ++n) {
    std::string_view prefix = std::string_view(line).substr(0, n);
    if (parse_store_log_line(prefix)) ++parsing_prefixes;
    if (n % 37 != 0 && n != line.size() && !parse_store_log_line(prefix)) continue;
    TempDir dir;
    test::write_file(dir / "store.log", earlier + std::string(prefix));
    QueueStore store;
    auto loaded = load(dir / "store.log", store);
    EXPECT_EQ(store.size(), 1u) << n;
    EXPECT_FALSE(store.contains(q.recipient_id)) << n;
    ASSERT_EQ(loaded.report.errors.size(), 1u);
    EXPECT_EQ(loaded.report.errors[0], "line 2 (" + std::string(n < 6 ? "unknown" : "CREATE") +
                                           "): torn last line (no newline)");
  }
  EXPECT_GT(parsing_prefixes, 3u);  // what the rule protects against
}

TEST(StoreLogLoad, ThousandQueuesSurviveAReopen) {
  TempDir dir;
  auto path = dir / "store.log";
  {
    QueueStore store;
    auto loaded = load(path, store);
    for (std::uint32_t i = 0; i < 1000; ++i) {
      QueueRecord q = make_queue(i);
      ASSERT_TRUE(store.add(q));
      ASSERT_TRUE(loaded.log->append(StoreLogCreate{q}));
      if (i % 3 == 0) {
        ASSERT_TRUE(loaded.log->append(StoreLogSecure{q.recipient_id, make_key(i)}));
      }
    }
    ASSERT_TRUE(loaded.log->close());
  }
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(loaded.report.skipped_lines, 0u);
  ASSERT_EQ(store.size(), 1000u);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    QueueRecord q = make_queue(i);
    if (i % 3 == 0) q.sender_key = make_key(i);
    EXPECT_EQ(store.by_recipient(q.recipient_id), q) << i;
  }
  EXPECT_EQ(read_lines(path).size(), 1000u);
}

// --- a log as the reference 6.5.5 writes it --------------------------------------------------

std::filesystem::path test_data(std::string_view name) {
  return std::filesystem::path(SMP_SOURCE_DIR) / "tests/smp/server/data" / name;
}

// data/store-6.5.5.log has every record the reference writes: services (NEW_SERVICE with
// real certificate chains), CREATE with link data, a notifier with its DH secret and
// service, queue modes and the legacy sndSecure, LINK twice, KEYS, BLOCK with a notice, TIME,
// SUSPEND, DELETE, NOTIFIER replacing a notifier, NDELETE, QUEUE_SERVICE both ways, LDELETE,
// UNBLOCK and a CREATE of a blocked queue. data/store-6.5.5-compacted.log is what the
// reference's writeQueueStore makes of it: the services by id, then a CREATE per live queue
// by recipient id with everything the queue has.
TEST(StoreLogReference, LoadsAndCompactsAs6_5_5WithNothingLost) {
  TempDir dir;
  auto path = dir / "smp-server-store.log";
  std::filesystem::copy_file(test_data("store-6.5.5.log"), path);
  const std::string compacted = test::read_file(test_data("store-6.5.5-compacted.log"));
  ASSERT_FALSE(compacted.empty());
  QueueStore store;
  auto loaded = load(path, store);
  EXPECT_EQ(loaded.report.lines, 26u);
  EXPECT_EQ(loaded.report.skipped_lines, 0u) << (loaded.report.errors.empty() ? "" : loaded.report.errors[0]);
  EXPECT_EQ(loaded.report.queues, 6u);
  EXPECT_EQ(loaded.report.services, 2u);
  EXPECT_EQ(test::read_file(path), compacted);

  // Spot checks against the records.
  auto q2 = store.by_recipient(fill_id(0x12));
  ASSERT_TRUE(q2);
  EXPECT_EQ(q2->status, QueueStatus::blocked);
  EXPECT_EQ(q2->blocking, (BlockingInfo{BlockingReason::content, ClientNotice{86400}}));
  EXPECT_EQ(q2->updated_at, 1733443200);
  EXPECT_EQ(q2->more_recipient_keys.size(), 1u);
  ASSERT_TRUE(q2->link);
  EXPECT_EQ(q2->link->user_data, Bytes(40, 'W'));
  EXPECT_EQ(store.by_link(fill_id(0x72)), q2);
  auto q5 = store.by_notifier(fill_id(0x55));
  ASSERT_TRUE(q5);
  EXPECT_FALSE(q5->notifier->service_id);
  EXPECT_EQ(q5->recipient_service, fill_id(0x52));
  EXPECT_FALSE(store.by_notifier(fill_id(0x35)));
  EXPECT_FALSE(store.by_notifier(fill_id(0x45)));
  EXPECT_FALSE(store.by_link(fill_id(0x76)));
  EXPECT_EQ(store.service_queue_count(ServiceParty::notifier, fill_id(0x51)).value(), 1u);
  EXPECT_EQ(store.service_queue_count(ServiceParty::recipient, fill_id(0x52)).value(), 1u);
  EXPECT_FALSE(store.contains(fill_id(0x14)));

  // The compacted log loads back to the same store and the same file.
  ASSERT_TRUE(loaded.log->close());
  QueueStore again;
  auto reloaded = load(path, again);
  EXPECT_EQ(reloaded.report.skipped_lines, 0u);
  EXPECT_EQ(test::read_file(path), compacted);
  store.for_each([&](const QueueRecord& q) { EXPECT_EQ(again.by_recipient(q.recipient_id), q); });
  EXPECT_EQ(again.services(), store.services());
}

// --- backups, as the reference keeps them ----------------------------------------------------

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(StoreLogBackups, TheLogBeforeCompactionIsKeptWithItsTime) {
  TempDir dir;
  auto path = dir / "smp-server-store.log";
  const std::string original = format_store_log_record(StoreLogCreate{make_queue(1)}) + "\n" +
                               format_store_log_record(StoreLogDelete{make_queue(1).recipient_id}) + "\n";
  test::write_file(path, original);
  QueueStore store;
  auto r = load_and_compact_store_log(path, store);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->second.backup) << r->second.backup_error;
  EXPECT_EQ(test::read_file(*r->second.backup), original);
  EXPECT_EQ(test::read_file(path), "");
  auto t = timed_backup_time(path, *r->second.backup);
  ASSERT_TRUE(t);
  EXPECT_LT(std::chrono::abs(*t - std::chrono::system_clock::now()), std::chrono::minutes(1));
  EXPECT_EQ(files_in(dir.path()).size(), 2u);
}

TEST(StoreLogBackups, NoBackupOfANewLog) {
  TempDir dir;
  QueueStore store;
  auto r = load_and_compact_store_log(dir / "store.log", store);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->second.backup);
  EXPECT_EQ(files_in(dir.path()), std::vector<std::string>{"store.log"});
}

// The reference renames the log to .start while it compacts; a crash leaves .start and a
// partial log: .start is the state to load.
TEST(StoreLogBackups, AnInterruptedReferenceCompactionIsRecovered) {
  TempDir dir;
  auto path = dir / "smp-server-store.log";
  QueueRecord a = make_queue(1), b = make_queue(2);
  test::write_file(std::filesystem::path(path.string() + ".start"),
                   format_store_log_record(StoreLogCreate{a}) + "\n" +
                       format_store_log_record(StoreLogCreate{b}) + "\n");
  const std::string partial = format_store_log_record(StoreLogCreate{a}).substr(0, 50);
  test::write_file(path, partial);
  QueueStore store;
  auto r = load_and_compact_store_log(path, store);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->second.recovered_interrupted_compaction);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(r->second.skipped_lines, 0u);
  EXPECT_EQ(test::read_file(std::filesystem::path(path.string() + ".bak")), partial);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".start"));
}

TEST(StoreLogBackups, BackupNamesAreIso8601AsTheReferenceWritesThem) {
  using namespace std::chrono;
  const std::filesystem::path log = "/var/opt/simplex/smp-server-store.log";
  const sys_days day = 2025y / December / 5;
  EXPECT_EQ(timed_backup_path(log, day + 9h + 39min + 12s + 123456789ns).filename(),
            "smp-server-store.log.2025-12-05T09:39:12.123456789Z");
  EXPECT_EQ(timed_backup_path(log, day + 9h + 39min + 12s + 500ms).filename(),
            "smp-server-store.log.2025-12-05T09:39:12.5Z");
  EXPECT_EQ(timed_backup_path(log, day).filename(), "smp-server-store.log.2025-12-05T00:00:00Z");
  EXPECT_EQ(timed_backup_time(log, "/x/smp-server-store.log.2025-12-05T09:39:12.5Z"),
            system_clock::time_point(day + 9h + 39min + 12s + 500ms));
  EXPECT_FALSE(timed_backup_time(log, "/x/smp-server-store.log.bak"));
  EXPECT_FALSE(timed_backup_time(log, "/x/smp-server-store.log.start"));
  EXPECT_FALSE(timed_backup_time(log, "/x/other.log.2025-12-05T09:39:12Z"));
}

// removeStoreLogBackups: of the backups older than a day, the newest three stay; the rest go
// once older than 21 days.
TEST(StoreLogBackups, OldBackupsAreRemovedAsTheReferenceDoes) {
  using namespace std::chrono;
  TempDir dir;
  auto log = dir / "store.log";
  const system_clock::time_point now = sys_days(2025y / December / 30) + 12h;
  std::vector<int> ages_in_days = {0, 2, 20, 22, 25, 30, 40, 50};
  for (int age : ages_in_days) test::write_file(timed_backup_path(log, now - days(age)), "x");
  test::write_file(dir / "store.log.bak", "x");
  auto removed = remove_old_backups(log, now);
  ASSERT_TRUE(removed);
  // Older than a day: 2, 20, 22, 25, 30, 40, 50; the newest three of those (2, 20, 22) stay;
  // of 25, 30, 40, 50 all are over 21 days.
  EXPECT_EQ(removed->size(), 4u);
  for (int age : {0, 2, 20, 22}) EXPECT_TRUE(std::filesystem::exists(timed_backup_path(log, now - days(age)))) << age;
  for (int age : {25, 30, 40, 50}) EXPECT_FALSE(std::filesystem::exists(timed_backup_path(log, now - days(age)))) << age;
  EXPECT_TRUE(std::filesystem::exists(dir / "store.log.bak"));
}

// --- the reference's own log (vectors/storelog) ----------------------------------------------

std::optional<std::filesystem::path> copy_vector(const TempDir& dir, const std::string& name) {
  std::filesystem::path src = std::filesystem::path(smp::test::vectors_dir()) / "storelog" / name;
  if (!std::filesystem::exists(src)) return std::nullopt;
  std::filesystem::path dst = dir / name;
  std::filesystem::copy_file(src, dst);
  std::filesystem::permissions(dst, std::filesystem::perms::owner_read |
                                        std::filesystem::perms::owner_write);
  return dst;
}

#define SMP_COPY_STORELOG(var, dir, name)                                             \
  auto var##_opt = copy_vector(dir, name);                                            \
  if (!var##_opt) GTEST_SKIP() << "vectors not found: " << smp::test::vectors_dir()   \
                               << "/storelog/" << (name);                             \
  const std::filesystem::path var = *var##_opt

// The two queues of vectors/storelog/README.md, read from after-compaction.log's lines.
void expect_reference_queues(const QueueStore& store, const std::vector<std::string>& after) {
  ASSERT_EQ(store.size(), 2u);
  ASSERT_EQ(after.size(), 2u);
  for (std::string_view rid : {"Bu1tESNUmy62qHF8fSKbFFas6A5NV7HH",
                                 "R3jb2oTcOPRr-k18NlcQX3hR00PyRh_7"}) {
    auto q = store.by_recipient(id_of(rid));
    ASSERT_TRUE(q) << rid;
    EXPECT_EQ(q->status, QueueStatus::active);
    ASSERT_TRUE(q->sender_key);
    EXPECT_EQ(q->recipient_key.algorithm(), crypto::KeyAlgorithm::ed448);
    EXPECT_EQ(q->sender_key->algorithm(), crypto::KeyAlgorithm::ed448);
    EXPECT_FALSE(q->notifier);
    auto line = std::find_if(after.begin(), after.end(), [&](const std::string& l) {
      return l.find("rid=" + std::string(rid) + " ") != std::string::npos;
    });
    ASSERT_NE(line, after.end());
    // Field by field against the reference's text.
    auto field = [&](std::string_view name) {
      std::size_t at = line->find(std::string(" ") + std::string(name) + "=");
      std::size_t from = at + name.size() + 2;
      return line->substr(from, line->find(' ', from) - from);
    };
    EXPECT_EQ(enc::b64url_encode(view(q->sender_id)), field("sid"));
    EXPECT_EQ(crypto::str_encode(q->recipient_key), field("rk"));
    EXPECT_EQ(crypto::str_encode(*q->sender_key), field("sk"));
    EXPECT_EQ(enc::b64url_encode(q->recipient_dh_secret.view()), field("rdh"));
    EXPECT_EQ(store.by_sender(q->sender_id), q);
  }
}

TEST(StoreLogVectors, LoadingBeforeCompactionGivesTheTwoLiveQueues) {
  TempDir dir;
  SMP_COPY_STORELOG(before, dir, "before-compaction.log");
  SMP_COPY_STORELOG(after, dir, "after-compaction.log");
  auto after_lines = read_lines(after);
  QueueStore store;
  auto loaded = load(before, store);
  EXPECT_EQ(loaded.report.lines, 10u);
  EXPECT_EQ(loaded.report.skipped_lines, 0u);
  EXPECT_EQ(loaded.report.queues, 2u);
  expect_reference_queues(store, after_lines);
}

TEST(StoreLogVectors, CompactingBeforeGivesAfterUpToOrder) {
  TempDir dir;
  SMP_COPY_STORELOG(before, dir, "before-compaction.log");
  SMP_COPY_STORELOG(after, dir, "after-compaction.log");
  QueueStore store;
  auto loaded = load(before, store);
  auto got = read_lines(before);
  auto want = read_lines(after);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(StoreLogVectors, LoadingAfterCompactionGivesTheSameQueuesAndFile) {
  TempDir dir;
  SMP_COPY_STORELOG(after, dir, "after-compaction.log");
  auto original = read_lines(after);
  QueueStore store;
  auto loaded = load(after, store);
  EXPECT_EQ(loaded.report.lines, 2u);
  EXPECT_EQ(loaded.report.skipped_lines, 0u);
  expect_reference_queues(store, original);
  EXPECT_EQ(read_lines(after), original);  // already sorted by rid bytes
}

}  // namespace
}  // namespace smp::server
