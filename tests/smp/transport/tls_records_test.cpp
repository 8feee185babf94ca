#include "smp/transport/tls_records.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "smp/transport/tls.h"

namespace smp::transport {
namespace {

RecordKeys keys(std::uint8_t fill, std::uint64_t seq) {
  RecordKeys k;
  k.key.fill(fill);
  for (std::size_t i = 0; i < k.iv.size(); ++i) k.iv[i] = static_cast<std::uint8_t>(fill + i);
  k.seq = seq;
  return k;
}

// Two ends of one connection: a's write keys are b's read keys and the other way round.
struct Pair {
  TlsRecords a{keys(1, 1), keys(2, 1)};
  TlsRecords b{keys(2, 1), keys(1, 1)};
};

Bytes seal(TlsRecords& r, ContentType type, ByteView plaintext) {
  Bytes out(plaintext.size() + kRecordHeaderSize + kRecordTagSize);
  std::size_t n = r.seal(type, plaintext, out);
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(TlsRecords, SealedRecordOpensAtThePeerWithItsTypeAndPlaintext) {
  Pair p;
  Bytes record = seal(p.a, ContentType::application_data, as_bytes("hello"));
  EXPECT_EQ(Bytes(record.begin(), record.begin() + 5), (Bytes{23, 3, 3, 0, 5 + 16}));
  auto opened = p.b.open(record);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->type, ContentType::application_data);
  EXPECT_EQ(as_chars(opened->plaintext), "hello");
}

TEST(TlsRecords, PlaintextIsEncrypted) {
  Pair p;
  Bytes plain(100, 0x41);
  Bytes record = seal(p.a, ContentType::application_data, plain);
  EXPECT_NE(Bytes(record.begin() + 5, record.begin() + 105), plain);
}

TEST(TlsRecords, EmptyAndMaximalRecordsRoundTrip) {
  Pair p;
  Bytes big(kMaxRecordPlaintext, 0x5a);
  for (const Bytes& plain : {Bytes{}, big}) {
    Bytes record = seal(p.a, ContentType::application_data, plain);
    auto opened = p.b.open(record);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(Bytes(opened->plaintext.begin(), opened->plaintext.end()), plain);
  }
}

TEST(TlsRecords, EveryFlippedByteFailsAuthentication) {
  Bytes record;
  {
    Pair p;
    record = seal(p.a, ContentType::application_data, as_bytes("0123456789"));
  }
  // The type, the ciphertext and the tag are authenticated; a changed version or length
  // is a bad header.
  for (std::size_t i = 0; i < record.size(); ++i) {
    Pair p;
    Bytes bad = record;
    bad[i] ^= 0x01;
    EXPECT_FALSE(p.b.open(bad).has_value()) << "byte " << i;
  }
}

TEST(TlsRecords, ReplayedOrReorderedRecordsFail) {
  Pair p;
  Bytes first = seal(p.a, ContentType::application_data, as_bytes("one"));
  Bytes second = seal(p.a, ContentType::application_data, as_bytes("two"));
  Bytes early = second;
  EXPECT_FALSE(p.b.open(early).has_value());  // out of order
  Bytes copy = first;
  ASSERT_TRUE(p.b.open(first).has_value());
  EXPECT_FALSE(p.b.open(copy).has_value());  // replayed
  EXPECT_TRUE(p.b.open(second).has_value());
}

TEST(TlsRecords, SequenceNumberAndKeysBindTheRecord) {
  TlsRecords a{keys(1, 5), keys(2, 1)};
  Bytes record = seal(a, ContentType::alert, as_bytes("ab"));
  Bytes copy1 = record, copy2 = record;
  TlsRecords wrong_seq{keys(2, 1), keys(1, 4)};
  EXPECT_FALSE(wrong_seq.open(copy1).has_value());
  TlsRecords wrong_key{keys(2, 1), keys(3, 5)};
  EXPECT_FALSE(wrong_key.open(copy2).has_value());
  TlsRecords right{keys(2, 1), keys(1, 5)};
  auto opened = right.open(record);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->type, ContentType::alert);
}

TEST(TlsRecords, RecordSizeChecksVersionAndLength) {
  EXPECT_EQ(TlsRecords::record_size(Bytes{23, 3, 3, 0, 16}).value(), 21u);
  EXPECT_EQ(TlsRecords::record_size(Bytes{23, 3, 3, 0x40, 0x10}).value(), kMaxRecordSize);
  EXPECT_FALSE(TlsRecords::record_size(Bytes{23, 3, 3, 0x40, 0x11}).has_value());  // too long
  EXPECT_FALSE(TlsRecords::record_size(Bytes{23, 3, 3, 0, 15}).has_value());  // no room for a tag
  EXPECT_FALSE(TlsRecords::record_size(Bytes{23, 3, 1, 0, 40}).has_value());  // TLS 1.0
  EXPECT_FALSE(TlsRecords::record_size(Bytes{23, 3, 3, 0}).has_value());       // truncated
}

TEST(TlsRecords, OpenRejectsARecordWhoseLengthDisagreesWithItsHeader) {
  Pair p;
  Bytes record = seal(p.a, ContentType::application_data, as_bytes("abc"));
  Bytes longer = record;
  longer.push_back(0);
  EXPECT_FALSE(p.b.open(longer).has_value());
  Bytes shorter(record.begin(), record.end() - 1);
  EXPECT_FALSE(p.b.open(shorter).has_value());
}

TEST(TlsRecords, HandshakeNotDoneIsRefused) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NE(ctx, nullptr);
  SSL* ssl = SSL_new(ctx);
  ASSERT_NE(ssl, nullptr);
  auto r = TlsRecords::from_handshake(ssl, TlsRole::server);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), make_error_code(errc::tls_failure));
  EXPECT_FALSE(TlsRecords::from_handshake(nullptr, TlsRole::server).has_value());
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace smp::transport
