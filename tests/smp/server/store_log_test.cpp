#include "smp/server/store_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "server_test_util.h"
#include "smp/encoding/base64.h"
#include "smp/encoding/key_string.h"
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

TEST(StoreLogFormat, EveryRecordKindRoundTrips) {
  QueueRecord q = make_queue(1);
  expect_round_trip(StoreLogCreate{q});
  q.sender_key = make_key(9, crypto::KeyAlgorithm::ed448);
  expect_round_trip(StoreLogCreate{q});
  q.notifier = NotifierCredentials{make_id(3, 3), make_key(10)};
  expect_round_trip(StoreLogCreate{q});
  q.sender_key.reset();
  expect_round_trip(StoreLogCreate{q});
  expect_round_trip(StoreLogSecure{make_id(1, 1), make_key(4, crypto::KeyAlgorithm::ed448)});
  expect_round_trip(StoreLogNotifier{make_id(1, 1), NotifierCredentials{make_id(2, 3), make_key(5)}});
  expect_round_trip(StoreLogDelete{make_id(1, 1)});
  expect_round_trip(StoreLogSuspend{make_id(1, 1)});
}

TEST(StoreLogFormat, CreateRoundTripKeepsEveryField) {
  QueueRecord q = make_queue(7);
  q.sender_key = make_key(8, crypto::KeyAlgorithm::ed448);
  q.notifier = NotifierCredentials{make_id(7, 3), make_key(9)};
  auto parsed = parse_store_log_line(format_store_log_record(StoreLogCreate{q}));
  ASSERT_TRUE(parsed);
  const auto& c = std::get<StoreLogCreate>(*parsed);
  EXPECT_EQ(c.queue, q);
}

TEST(StoreLogFormat, WritesTheReferenceLayout) {
  QueueRecord q = make_queue(2);
  std::string rid = enc::b64url_encode(view(q.recipient_id));
  std::string sid = enc::b64url_encode(view(q.sender_id));
  std::string rk = enc::str_encode(q.recipient_key);
  std::string rdh = enc::b64url_encode(q.recipient_dh_secret.view());
  EXPECT_EQ(format_store_log_record(StoreLogCreate{q}),
            "CREATE rid=" + rid + " rk=" + rk + " rdh=" + rdh + " sid=" + sid + " sk=");
  crypto::PublicKey sk = make_key(3);
  EXPECT_EQ(format_store_log_record(StoreLogSecure{q.recipient_id, sk}),
            "SECURE " + rid + " " + enc::str_encode(sk));
  EXPECT_EQ(format_store_log_record(StoreLogNotifier{q.recipient_id, {q.sender_id, sk}}),
            "NOTIFIER " + rid + " " + sid + " " + enc::str_encode(sk));
  EXPECT_EQ(format_store_log_record(StoreLogDelete{q.recipient_id}), "DELETE " + rid);
  EXPECT_EQ(format_store_log_record(StoreLogSuspend{q.recipient_id}), "SUSPEND " + rid);
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
  // An X25519 key where a signature key belongs.
  std::string x25519 = "MCowBQYDK2VuAyEAO2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=";
  EXPECT_EQ(error_of(parse_store_log_line("SECURE " + rid + " " + x25519)),
            errc::wrong_algorithm);
  EXPECT_EQ(error_of(parse_store_log_line("NOTIFIER " + rid + " " + key)), errc::bad_syntax);
  EXPECT_EQ(error_of(parse_store_log_line(ex + " ")), errc::bad_syntax);
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

TEST(StoreLogParse, EveryPrefixOfACreateLineFailsOrIsComplete) {
  QueueRecord q = make_queue(3);
  q.notifier = NotifierCredentials{make_id(3, 3), make_key(11)};
  QueueRecord without_notifier = q;
  without_notifier.notifier.reset();
  std::string line = format_store_log_record(StoreLogCreate{q});
  std::size_t notifier_at = line.find(" nid=");
  // A torn write can stop anywhere: a prefix either fails or gives the same queue (the part
  // before " nid=", or the whole line less the nk key's '=' padding, which is optional).
  std::size_t parsed = 0;
  for (std::size_t n = 0; n < line.size(); ++n) {
    auto r = parse_store_log_line(std::string_view(line).substr(0, n));
    if (!r) continue;
    ++parsed;
    const QueueRecord& p = std::get<StoreLogCreate>(r.value()).queue;
    if (n == notifier_at) {
      EXPECT_EQ(p, without_notifier);
    } else {
      EXPECT_EQ(p, q) << n;
      EXPECT_EQ(line[n], '=') << n;
    }
  }
  EXPECT_EQ(parsed, 2u);
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

  // The compacted log keeps the suspended queue: CREATE then SUSPEND.
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 4u);
  qa->status = QueueStatus::active;
  std::vector<std::string> expected = {format_store_log_record(StoreLogCreate{*qa}),
                                       format_store_log_record(StoreLogCreate{c}),
                                       format_store_log_record(StoreLogSuspend{c.recipient_id}),
                                       format_store_log_record(StoreLogCreate{d})};
  // Sorted by recipient id bytes; c's SUSPEND follows its CREATE.
  std::vector<std::string> creates;
  for (const auto& l : lines)
    if (l.starts_with("CREATE ")) creates.push_back(l);
  std::vector<QueueId> order;
  for (const auto& l : creates)
    order.push_back(std::get<StoreLogCreate>(parse_store_log_line(l).value()).queue.recipient_id);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  auto pos_c = std::find(lines.begin(), lines.end(), expected[1]);
  ASSERT_NE(pos_c, lines.end());
  EXPECT_EQ(*(pos_c + 1), expected[2]);
  std::sort(lines.begin(), lines.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(lines, expected);

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

TEST(StoreLogLoad, CompactedLogIsInRecipientIdOrderWithSuspendAfterItsCreate) {
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
  std::istringstream lines(out.compacted);
  for (std::string line; std::getline(lines, line);) {
    auto rec = parse_store_log_line(line);
    ASSERT_TRUE(rec) << line;
    if (auto* c = std::get_if<StoreLogCreate>(&*rec)) {
      order.push_back(c->queue.recipient_id);
    } else {
      auto& s = std::get<StoreLogSuspend>(*rec);
      ASSERT_FALSE(order.empty());
      EXPECT_EQ(s.rid, order.back());
    }
  }
  EXPECT_EQ(order, rids);
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
    EXPECT_EQ(enc::str_encode(q->recipient_key), field("rk"));
    EXPECT_EQ(enc::str_encode(*q->sender_key), field("sk"));
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
