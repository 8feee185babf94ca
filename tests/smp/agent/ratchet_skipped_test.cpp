#include "smp/agent/ratchet_skipped.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

MessageKey key_of(std::uint8_t seed) {
  return MessageKey{SecretBytes(Bytes(32, seed)),
                    SecretBytes(Bytes(16, static_cast<std::uint8_t>(seed + 1)))};
}

SecretBytes hk(std::initializer_list<std::uint8_t> bytes) { return SecretBytes(Bytes(bytes)); }

SkippedMsgKeys keys_of(std::initializer_list<std::pair<std::uint8_t, std::uint32_t>> entries) {
  SkippedMsgKeys out;
  for (auto [h, n] : entries)
    out[hk({h})].insert_or_assign(n, key_of(static_cast<std::uint8_t>(h + n)));
  return out;
}

TEST(RatchetSkipped, MessageKeyIsShortKeyThenShortIv) {
  MessageKey mk = key_of(7);
  auto b = encode_message_key(mk);
  ASSERT_TRUE(b);
  EXPECT_EQ(to_hex(b.value().view()), "20" + to_hex(Bytes(32, 7)) + "10" + to_hex(Bytes(16, 8)));
  auto back = decode_message_key(b.value().view());
  ASSERT_TRUE(back);
  EXPECT_EQ(to_hex(back.value().key.view()), to_hex(Bytes(32, 7)));
  EXPECT_EQ(to_hex(back.value().iv.view()), to_hex(Bytes(16, 8)));
}

TEST(RatchetSkipped, MessageKeyDecoderRefusesMalformedInput) {
  Bytes good = to_bytes(encode_message_key(key_of(1)).value().view());
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(decode_message_key(ByteView(good).first(n)).error(), make_error_code(errc::truncated))
        << n;
  }
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(decode_message_key(trailing).error(), make_error_code(errc::trailing_bytes));
  MessageKey short_key{SecretBytes(Bytes(31, 1)), SecretBytes(Bytes(16, 1))};
  EXPECT_EQ(decode_message_key(encode_message_key(short_key).value().view()).error(),
            make_error_code(errc::bad_key_size));
  MessageKey long_iv{SecretBytes(Bytes(32, 1)), SecretBytes(Bytes(17, 1))};
  EXPECT_EQ(decode_message_key(encode_message_key(long_iv).value().view()).error(),
            make_error_code(errc::bad_key_size));
}

TEST(RatchetSkipped, HeaderKeysAreOrderedByBytesShorterFirst) {
  SkippedMsgKeys keys;
  for (const Bytes& k : std::vector<Bytes>{{2}, {1, 0}, {1}, {0, 255}, {}}) keys[SecretBytes(k)];
  std::vector<std::string> order;
  for (const auto& entry : keys) order.push_back(to_hex(entry.first.view()));
  EXPECT_EQ(order, (std::vector<std::string>{"", "00ff", "01", "0100", "02"}));
  EXPECT_NE(keys.find(ByteView(Bytes{1, 0})), keys.end());
  EXPECT_EQ(keys.find(ByteView(Bytes{3})), keys.end());
}

TEST(RatchetSkipped, RemovalDropsTheKeyAndThenItsHeaderKey) {
  SkippedMsgKeys keys = keys_of({{1, 0}, {1, 1}, {2, 5}});
  apply_skipped_diff(keys, SkippedKeyRemoved{hk({1}), 0});
  EXPECT_EQ(count_skipped(keys), 2u);
  EXPECT_EQ(keys.size(), 2u);
  apply_skipped_diff(keys, SkippedKeyRemoved{hk({1}), 1});
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_TRUE(same_skipped(keys, keys_of({{2, 5}})));
  // Absent keys change nothing.
  apply_skipped_diff(keys, SkippedKeyRemoved{hk({1}), 1});
  apply_skipped_diff(keys, SkippedKeyRemoved{hk({2}), 6});
  apply_skipped_diff(keys, SkippedKeysUnchanged{});
  EXPECT_TRUE(same_skipped(keys, keys_of({{2, 5}})));
}

TEST(RatchetSkipped, AdditionMergesAndReplacesEqualNumbers) {
  SkippedMsgKeys keys = keys_of({{1, 0}, {2, 5}});
  SkippedMsgKeys added;
  added[hk({1})].emplace(0, key_of(99));
  added[hk({1})].emplace(3, key_of(98));
  added[hk({3})].emplace(7, key_of(97));
  apply_skipped_diff(keys, SkippedKeysAdded{clone_skipped(added)});
  EXPECT_EQ(count_skipped(keys), 4u);
  EXPECT_EQ(to_hex(keys.at(hk({1})).at(0).key.view()), to_hex(Bytes(32, 99)));
  EXPECT_EQ(to_hex(keys.at(hk({1})).at(3).key.view()), to_hex(Bytes(32, 98)));
  EXPECT_EQ(to_hex(keys.at(hk({2})).at(5).key.view()), to_hex(Bytes(32, 7)));
  EXPECT_EQ(to_hex(keys.at(hk({3})).at(7).iv.view()), to_hex(Bytes(16, 98)));
}

TEST(RatchetSkipped, CloneAndComparison) {
  SkippedMsgKeys keys = keys_of({{1, 0}, {1, 1}, {2, 5}});
  SkippedMsgKeys copy = clone_skipped(keys);
  EXPECT_TRUE(same_skipped(keys, copy));
  copy.at(hk({2})).at(5).iv = SecretBytes(Bytes(16, 0));
  EXPECT_FALSE(same_skipped(keys, copy));
  EXPECT_FALSE(same_skipped(keys, keys_of({{1, 0}, {1, 1}})));
  EXPECT_FALSE(same_skipped(keys, keys_of({{1, 0}, {1, 2}, {2, 5}})));
  EXPECT_TRUE(same_skipped({}, {}));
}

}  // namespace
}  // namespace smp::agent
