#include "smp/encoding/binary.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "smp/crypto/keys.h"
#include "smp/encoding/containers.h"
#include "smp/encoding/padding.h"
#include "smp/encoding/system_time.h"
#include "support/vectors.h"

namespace smp::enc {
namespace {

using test::hex;
using test::str;

// --- Known answers: every binary case of encoding.json -------------------------------------

std::int64_t int_of(const boost::json::value& v) { return v.to_number<std::int64_t>(); }

const boost::json::array& cases(const boost::json::value& v, const char* key) {
  const auto& a = v.at(key).as_array();
  EXPECT_FALSE(a.empty()) << key;
  return a;
}

// Decodes `encoded` with `read` as a whole value (the reference's parseAll).
template <class F>
bool decodes_whole(const Bytes& encoded, F read) {
  Reader r(encoded);
  read(r);
  r.expect_end();
  return r.ok();
}

TEST(BinaryVectors, Word16) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  for (const auto& c : cases(v, "word16")) {
    auto value = static_cast<std::uint16_t>(int_of(c.at("value")));
    Writer w;
    w.u16(value);
    EXPECT_EQ(to_hex(w.bytes()), str(c.at("encoded")));
    Bytes enc = hex(c.at("encoded"));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) { EXPECT_EQ(r.u16(), value); }));
  }
}

TEST(BinaryVectors, Int64) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  for (const auto& c : cases(v, "int64")) {
    std::int64_t value = int_of(c.at("value"));
    Writer w;
    w.i64(value);
    EXPECT_EQ(to_hex(w.bytes()), str(c.at("encoded"))) << value;
    Bytes enc = hex(c.at("encoded"));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) { EXPECT_EQ(r.i64(), value); }));
  }
}

TEST(BinaryVectors, ShortByteString) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  int wrapped = 0;
  for (const auto& c : cases(v, "bytestring")) {
    Bytes value = hex(c.at("value"));
    Bytes enc = hex(c.at("encoded"));
    Writer w;
    w.short_bytes(value);
    if (value.size() > kMaxShortLength) {
      // The reference writes the length mod 256 (here a 0 length followed by 256 bytes: quirk
      // Q10), which no decoder can read back. Our encoder refuses instead; the vector is kept
      // to show what the reference emits and that its output does not decode.
      ++wrapped;
      EXPECT_EQ(w.error(), errc::value_too_large);
      ASSERT_FALSE(enc.empty());
      EXPECT_EQ(enc[0], static_cast<std::uint8_t>(value.size() % 256));
      Reader r(enc);
      r.short_bytes();
      r.expect_end();
      EXPECT_EQ(r.error(), errc::trailing_bytes);
      continue;
    }
    EXPECT_EQ(to_hex(w.bytes()), to_hex(enc));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) { EXPECT_EQ(to_bytes(r.short_bytes()), value); }));
  }
  EXPECT_EQ(wrapped, 1) << "the vectors record one wrapped length";
}

TEST(BinaryVectors, LargeByteString) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  for (const auto& c : cases(v, "large")) {
    Bytes value = hex(c.at("value"));
    Bytes enc = hex(c.at("encoded"));
    Writer w;
    w.large(value);
    EXPECT_EQ(to_hex(w.bytes()), to_hex(enc));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) { EXPECT_EQ(to_bytes(r.large()), value); }));
  }
}

TEST(BinaryVectors, Maybe) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  auto read_short = [](Reader& r) { return to_bytes(r.short_bytes()); };
  for (const auto& c : cases(v, "maybe")) {
    std::string type = str(c.at("type"));
    ASSERT_TRUE(type == "Maybe ByteString" || type == "Maybe PublicKeyX25519") << type;
    if (c.as_object().contains("input")) {  // decode-only case
      Bytes in = hex(c.at("input"));
      bool ok = decodes_whole(in, [&](Reader& r) { read_maybe(r, read_short); });
      EXPECT_EQ(ok, c.at("decoded").at("ok").as_bool()) << str(c.at("note"));
      continue;
    }
    // A present key is its DER in a short string, like any short ByteString.
    std::optional<Bytes> value;
    if (!c.at("value").is_null()) value = hex(c.at("value"));
    Writer w;
    write_maybe(w, value, [](Writer& wr, const Bytes& b) { wr.short_bytes(b); });
    Bytes enc = hex(c.at("encoded"));
    EXPECT_EQ(to_hex(w.bytes()), to_hex(enc)) << str(c.at("note"));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) { EXPECT_EQ(read_maybe(r, read_short), value); }));
    if (type == "Maybe PublicKeyX25519") {
      auto read_key = [](Reader& r) { return crypto::read_public_key(r, crypto::kDhX25519); };
      Reader r(enc);
      auto key = read_maybe(r, read_key);
      r.expect_end();
      ASSERT_TRUE(r.ok() && key.has_value());
      EXPECT_EQ(crypto::encode_public_key_der(*key), *value);
    }
  }
}

TEST(BinaryVectors, Tuples) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  for (const auto& c : cases(v, "tuples")) {
    std::string type = str(c.at("type"));
    const auto& val = c.at("value").as_array();
    Bytes enc = hex(c.at("encoded"));
    Writer w;
    std::function<void(Reader&)> check;
    if (type == "(Word16, ByteString)") {
      auto a = static_cast<std::uint16_t>(int_of(val.at(0)));
      Bytes b = hex(val.at(1));
      w.u16(a).short_bytes(b);
      check = [=](Reader& r) {
        EXPECT_EQ(r.u16(), a);
        EXPECT_EQ(to_bytes(r.short_bytes()), b);
      };
    } else if (type == "(Char, ByteString, Tail)") {
      std::string a = str(val.at(0));
      ASSERT_EQ(a.size(), 1u);
      Bytes b = hex(val.at(1));
      Bytes t = hex(val.at(2));
      w.ch(a[0]).short_bytes(b).raw(t);
      check = [=](Reader& r) {
        EXPECT_EQ(r.ch(), a[0]);
        EXPECT_EQ(to_bytes(r.short_bytes()), b);
        EXPECT_EQ(to_bytes(r.tail()), t);
      };
    } else if (type == "(ByteString, ByteString, ByteString)") {
      Bytes a = hex(val.at(0)), b = hex(val.at(1)), d = hex(val.at(2));
      w.short_bytes(a).short_bytes(b).short_bytes(d);
      check = [=](Reader& r) {
        EXPECT_EQ(to_bytes(r.short_bytes()), a);
        EXPECT_EQ(to_bytes(r.short_bytes()), b);
        EXPECT_EQ(to_bytes(r.short_bytes()), d);
      };
    } else if (type == "(Word16, Word16)") {
      auto a = static_cast<std::uint16_t>(int_of(val.at(0)));
      auto b = static_cast<std::uint16_t>(int_of(val.at(1)));
      w.u16(a).u16(b);
      check = [=](Reader& r) {
        EXPECT_EQ(r.u16(), a);
        EXPECT_EQ(r.u16(), b);
      };
    } else {
      ADD_FAILURE() << "tuple type not covered: " << type;
      continue;
    }
    EXPECT_EQ(to_hex(w.bytes()), to_hex(enc)) << type;
    EXPECT_TRUE(decodes_whole(enc, check)) << type;
  }
}

TEST(BinaryVectors, Lists) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  auto read_short = [](Reader& r) { return to_bytes(r.short_bytes()); };
  for (const auto& c : cases(v, "nonempty_lists")) {
    std::string type = str(c.at("type"));
    bool non_empty = type == "NonEmpty ByteString";
    ASSERT_TRUE(non_empty || type == "[ByteString] via smpEncodeList") << type;
    if (c.as_object().contains("input")) {
      Bytes in = hex(c.at("input"));
      Reader r(in);
      if (non_empty) read_non_empty(r, read_short);
      else read_list(r, read_short);
      r.expect_end();
      EXPECT_EQ(r.ok(), c.at("decoded").at("ok").as_bool()) << str(c.at("note"));
      if (!r.ok()) {
        EXPECT_EQ(r.error(), errc::bad_syntax);
      }
      continue;
    }
    std::vector<Bytes> items;
    for (const auto& it : c.at("value").as_array()) items.push_back(hex(it));
    Writer w;
    write_list(w, items, [](Writer& wr, const Bytes& b) { wr.short_bytes(b); });
    Bytes enc = hex(c.at("encoded"));
    EXPECT_EQ(to_hex(w.bytes()), to_hex(enc));
    EXPECT_TRUE(decodes_whole(enc, [&](Reader& r) {
      auto got = non_empty ? read_non_empty(r, read_short) : read_list(r, read_short);
      EXPECT_EQ(got, items);
    }));
  }
}

TEST(BinaryVectors, SystemTime) {
  SMP_LOAD_VECTORS(v, "encoding.json");
  using namespace std::chrono;
  for (const auto& c : cases(v, "system_time")) {
    if (c.as_object().contains("input")) {
      Bytes in = hex(c.at("input"));
      const auto& expected = c.at("decoded");
      ASSERT_TRUE(expected.at("ok").as_bool());
      Reader r(in);
      auto t = read_system_time(r);
      r.expect_end();
      ASSERT_TRUE(r.ok() && t);
      EXPECT_EQ(t->time_since_epoch().count(), int_of(expected.at("value").at("seconds")));
      EXPECT_EQ(int_of(expected.at("value").at("nanoseconds")), 0);
      continue;
    }
    system_clock::time_point t{duration_cast<system_clock::duration>(
        seconds(int_of(c.at("value").at("seconds"))) +
        nanoseconds(int_of(c.at("value").at("nanoseconds"))))};
    Writer w;
    write_system_time(w, t);
    EXPECT_EQ(to_hex(w.bytes()), str(c.at("encoded"))) << str(c.at("note"));
  }
}

// --- Behaviour ------------------------------------------------------------------------------

TEST(BinaryEncoding, Int64MatchesSpecExample) {
  Writer w;
  w.i64(1234567890123456789);
  EXPECT_EQ(to_hex(w.bytes()), "112210f47de98115");
  Reader r(w.bytes());
  EXPECT_EQ(r.i64(), 1234567890123456789);
  r.expect_end();
  EXPECT_TRUE(r.ok());
}

TEST(BinaryEncoding, RefusesShortStringOver255Bytes) {
  Bytes big(256, 'x');
  Writer w;
  w.short_bytes(big);
  EXPECT_EQ(w.error(), errc::value_too_large);
  EXPECT_FALSE(std::move(w).finish().has_value());
}

TEST(BinaryEncoding, ShortStringLengthBeyondInputIsTruncated) {
  Bytes in = {0x05, 'a', 'b'};
  Reader r(in);
  auto v = r.short_bytes();
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(r.error(), errc::truncated);
  // Sticky: further reads stay failed and return nothing.
  EXPECT_EQ(r.u8(), 0);
  EXPECT_EQ(r.error(), errc::truncated);
}

TEST(BinaryEncoding, MaybeRejectsOtherTags) {
  Bytes in = {'2'};
  Reader r(in);
  r.maybe_tag();
  EXPECT_EQ(r.error(), errc::bad_tag);
}

TEST(BinaryEncoding, ExpectEndReportsTrailingBytes) {
  Bytes in = {0x00, 0x01, 0x02};
  Reader r(in);
  EXPECT_EQ(r.u16(), 1);
  r.expect_end();
  EXPECT_EQ(r.error(), errc::trailing_bytes);
}

TEST(Padding, PadMatchesSpecExample) {
  auto p = pad(as_bytes("hello"), 24);
  ASSERT_TRUE(p);
  std::string fill;
  for (int i = 0; i < 17; ++i) fill += "23";
  EXPECT_EQ(to_hex(*p), "000568656c6c6f" + fill);
  auto u = unpad(*p);
  ASSERT_TRUE(u);
  EXPECT_EQ(as_chars(*u), "hello");
}

TEST(Padding, RejectsMessageThatDoesNotFit) {
  Bytes msg(23, 'a');
  EXPECT_EQ(pad(msg, 24).error(), make_error_code(errc::crypto_large_msg));
  Bytes bad = {0x00, 0x05, 'a'};
  EXPECT_EQ(unpad(bad).error(), make_error_code(errc::crypto_large_msg));
}

}  // namespace
}  // namespace smp::enc
