#include "smp/transport/tls_records.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "smp/transport/tls.h"
#include "support/vectors.h"

namespace smp::transport {
namespace {

// Hex text to bytes (a literal is ambiguous between hex's two overloads).
Bytes unhex(std::string_view h) { return smp::test::hex(h); }

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
  Pair p;
  const TlsRecords& r = p.a;
  EXPECT_EQ(r.version(), RecordVersion::tls12);
  EXPECT_EQ(r.record_size(Bytes{23, 3, 3, 0, 16}).value(), 21u);
  EXPECT_EQ(r.record_size(Bytes{23, 3, 3, 0x40, 0x10}).value(), kMaxRecordSize);
  EXPECT_EQ(r.max_record_size(), kMaxRecordSize);
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 3, 0x40, 0x11}).has_value());  // too long
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 3, 0, 15}).has_value());  // no room for a tag
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 1, 0, 40}).has_value());  // TLS 1.0
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 3, 0}).has_value());       // truncated
  EXPECT_TRUE(r.record_size(Bytes{21, 3, 3, 0, 18}).has_value());    // TLS 1.2: any type
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

// --- TLS 1.3 (RFC 8446) ------------------------------------------------------------------

// RFC 8448 §3 ("Simple 1-RTT Handshake"), {server} derive write traffic keys for application
// data: the server application traffic secret, and the 16-byte key and 12-byte IV it gives.
const Bytes kServerAppSecret =
    unhex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");

TEST(TlsRecords13, HkdfExpandLabelMatchesRfc8448) {
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 12> iv{};
  ASSERT_TRUE(hkdf_expand_label(kServerAppSecret, "key", key));
  ASSERT_TRUE(hkdf_expand_label(kServerAppSecret, "iv", iv));
  EXPECT_EQ(to_hex(key), "9f02283b6c9c07efc26bb9f2ac92e356");
  EXPECT_EQ(to_hex(iv), "cf782b88dd83549aadf1e984");
  // The same function at ChaCha20-Poly1305's 32-byte key, and the next secret of a KeyUpdate
  // ("traffic upd", RFC 8446 §7.2): computed with Python's hmac from RFC 8446 §7.1.
  std::array<std::uint8_t, 32> key32{}, next{};
  ASSERT_TRUE(hkdf_expand_label(kServerAppSecret, "key", key32));
  ASSERT_TRUE(hkdf_expand_label(kServerAppSecret, "traffic upd", next));
  EXPECT_EQ(to_hex(key32), "848e80ab93efeb09c572c66873c184f99207c95b0fc817f91e8e7e8e14ac5ca9");
  EXPECT_EQ(to_hex(next), "51921b8aa3001976eb401d0a4319a8516416a6c56001a357e5d162031e84f916");
}

Bytes secret_of(std::uint8_t fill) { return Bytes(32, fill); }

// Two ends of a TLS 1.3 connection: a writes with secret 1 and reads with 2, b the other way.
struct Pair13 {
  TlsRecords a = TlsRecords::from_traffic_secrets(secret_of(1), secret_of(2)).value();
  TlsRecords b = TlsRecords::from_traffic_secrets(secret_of(2), secret_of(1)).value();
};

Bytes seal13(TlsRecords& r, ContentType type, ByteView plaintext) {
  Bytes out(r.sealed_size(plaintext.size()));
  EXPECT_EQ(r.seal(type, plaintext, out), out.size());
  return out;
}

// Records computed with Python's `cryptography` ChaCha20Poly1305 from RFC 8446 §5.2-§5.3
// (inner plaintext = data ‖ type, no padding; AAD = the header; nonce = IV ⊕ seq) with the
// keys of kServerAppSecret (write) above.
TEST(TlsRecords13, SealedRecordsMatchTheRfcConstruction) {
  auto r = TlsRecords::from_traffic_secrets(kServerAppSecret, secret_of(9));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->version(), RecordVersion::tls13);
  EXPECT_EQ(to_hex(seal13(*r, ContentType::application_data, as_bytes("hello"))),
            "1703030016c0b2fb00c0bf8321fac59578d14fcedf7f5cb9d3f8e2");
  EXPECT_EQ(to_hex(seal13(*r, ContentType::application_data, as_bytes("hello"))),
            "170303001604e8267eee6176e9fdd90a748792bb97ad0d09e4da1a");
  // After our KeyUpdate: the next secret's keys, sequence 0 again.
  ASSERT_TRUE(r->update_write_keys());
  EXPECT_EQ(to_hex(seal13(*r, ContentType::application_data, as_bytes("hello"))),
            "17030300163adca68deead700c9d3eaf6b7fb37bf5360878851d00");
}

TEST(TlsRecords13, AnAlertTravelsInsideAnApplicationDataRecord) {
  auto r = TlsRecords::from_traffic_secrets(kServerAppSecret, secret_of(9));
  ASSERT_TRUE(r.has_value());
  Bytes alert = seal13(*r, ContentType::alert, Bytes{1, 0});
  EXPECT_EQ(to_hex(alert), "1703030013a9d7821751b7c459d1e1e1d3cd64e43d6c769c");
  auto reader = TlsRecords::from_traffic_secrets(secret_of(9), kServerAppSecret);
  ASSERT_TRUE(reader.has_value());
  auto opened = reader->open(alert);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->type, ContentType::alert);
  EXPECT_EQ(Bytes(opened->plaintext.begin(), opened->plaintext.end()), (Bytes{1, 0}));
}

TEST(TlsRecords13, RoundTripsEmptyAndMaximalAndFailsOnAnyFlippedByte) {
  Pair13 p;
  Bytes big(kMaxRecordPlaintext, 0x5a);
  for (const Bytes& plain : {Bytes{}, big}) {
    Bytes record = seal13(p.a, ContentType::application_data, plain);
    auto opened = p.b.open(record);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->type, ContentType::application_data);
    EXPECT_EQ(Bytes(opened->plaintext.begin(), opened->plaintext.end()), plain);
  }
  Bytes record;
  {
    Pair13 q;
    record = seal13(q.a, ContentType::application_data, as_bytes("0123456789"));
  }
  for (std::size_t i = 0; i < record.size(); ++i) {
    Pair13 q;
    Bytes bad = record;
    bad[i] ^= 0x01;
    EXPECT_FALSE(q.b.open(bad).has_value()) << "byte " << i;
  }
}

// Seals `inner` (already ending with its type and any padding) as Pair13's a would: for
// records seal() does not make itself.
Bytes seal_inner(const Bytes& inner) {
  TlsRecords writer = TlsRecords::from_traffic_secrets(secret_of(1), secret_of(2)).value();
  // seal() appends the type byte: give it all but the last byte, and the last as the type.
  Bytes body(inner.begin(), inner.end() - 1);
  return seal13(writer, static_cast<ContentType>(inner.back()), body);
}

TEST(TlsRecords13, ZeroPaddingIsRemovedAndAnEmptyInnerPlaintextFails) {
  // RFC 8446 §5.4: data ‖ type ‖ zeros; the type is the last non-zero byte.
  Bytes padded = to_bytes(std::string_view("data"));
  padded.push_back(23);
  padded.insert(padded.end(), 40, 0);
  Pair13 p;
  Bytes record = seal_inner(padded);
  auto opened = p.b.open(record);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->type, ContentType::application_data);
  EXPECT_EQ(as_chars(ByteView(opened->plaintext.data(), opened->plaintext.size())), "data");

  Pair13 q;
  Bytes all_zero = seal_inner(Bytes(20, 0));
  EXPECT_FALSE(q.b.open(all_zero).has_value());
}

TEST(TlsRecords13, KeyUpdateMovesEachDirectionOnItsOwn) {
  Pair13 p;
  Bytes before = seal13(p.a, ContentType::application_data, as_bytes("old keys"));
  ASSERT_TRUE(p.b.open(before).has_value());
  ASSERT_TRUE(p.a.update_write_keys());
  Bytes after = seal13(p.a, ContentType::application_data, as_bytes("new keys"));
  Bytes copy = after;
  EXPECT_FALSE(p.b.open(copy).has_value());  // b still reads with the old keys
  // A fresh pair where the reader updates too.
  Pair13 r;
  Bytes first = seal13(r.a, ContentType::application_data, as_bytes("one"));
  ASSERT_TRUE(r.b.open(first).has_value());
  ASSERT_TRUE(r.a.update_write_keys());
  ASSERT_TRUE(r.b.update_read_keys());
  Bytes second = seal13(r.a, ContentType::application_data, as_bytes("two"));
  auto opened = r.b.open(second);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(as_chars(ByteView(opened->plaintext.data(), opened->plaintext.size())), "two");
  // The other direction is untouched.
  Bytes back = seal13(r.b, ContentType::application_data, as_bytes("back"));
  EXPECT_TRUE(r.a.open(back).has_value());
  // TLS 1.2 has no KeyUpdate.
  Pair p12;
  EXPECT_FALSE(p12.a.update_read_keys().has_value());
  EXPECT_FALSE(p12.a.update_write_keys().has_value());
}

TEST(TlsRecords13, RecordSizeAllowsPaddingAndOnlyTheApplicationDataType) {
  Pair13 p;
  const TlsRecords& r = p.a;
  EXPECT_EQ(r.max_record_size(), kMaxTls13RecordSize);
  EXPECT_EQ(r.record_size(Bytes{23, 3, 3, 0x41, 0x00}).value(), kMaxTls13RecordSize);  // 2^14+256
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 3, 0x41, 0x01}).has_value());
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 3, 0, 16}).has_value());  // no room for the type
  EXPECT_EQ(r.record_size(Bytes{23, 3, 3, 0, 17}).value(), 22u);
  EXPECT_FALSE(r.record_size(Bytes{21, 3, 3, 0, 18}).has_value());  // an outer alert
  EXPECT_FALSE(r.record_size(Bytes{22, 3, 3, 0, 18}).has_value());  // an outer handshake
  EXPECT_FALSE(r.record_size(Bytes{23, 3, 4, 0, 18}).has_value());  // 0x0304 on the wire
}

TEST(TlsRecords13, KeyUpdateMessageFormat) {
  // RFC 8446 §4.6.3: HandshakeType key_update(24), uint24 length 1, request_update.
  EXPECT_EQ(to_hex(key_update_message(false)), "1800000100");
  EXPECT_EQ(to_hex(key_update_message(true)), "1800000101");
  EXPECT_EQ(parse_key_update(Bytes{24, 0, 0, 1, 0}), std::optional<bool>(false));
  EXPECT_EQ(parse_key_update(Bytes{24, 0, 0, 1, 1}), std::optional<bool>(true));
  EXPECT_FALSE(parse_key_update(Bytes{24, 0, 0, 1, 2}).has_value());
  EXPECT_FALSE(parse_key_update(Bytes{4, 0, 0, 1, 0}).has_value());  // a NewSessionTicket
  EXPECT_FALSE(parse_key_update(Bytes{24, 0, 0, 1, 0, 24}).has_value());  // two messages
  EXPECT_FALSE(parse_key_update(Bytes{24, 0, 0, 2, 0, 0}).has_value());
}

TEST(TlsRecords13, TrafficSecretsOfTheWrongSizeAreRefused) {
  EXPECT_FALSE(TlsRecords::from_traffic_secrets(Bytes(48, 1), Bytes(32, 2)).has_value());
  EXPECT_FALSE(TlsRecords::from_traffic_secrets(Bytes(32, 1), Bytes(31, 2)).has_value());
}

}  // namespace
}  // namespace smp::transport
