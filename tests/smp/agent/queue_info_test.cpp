#include "smp/agent/queue_info.h"

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

using crypto::KeyAlgorithm;

SmpQueueInfo sample() {
  return SmpQueueInfo{1, protocol::SmpServer{"smp.example.com", "5223", Bytes(32, 7)}, Bytes(24, 9),
                      crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
}

Result<Bytes> encode(const SmpQueueInfo& info) {
  enc::Writer w;
  write_queue_info(w, info);
  return std::move(w).finish();
}

TEST(SmpQueueInfo, RoundTripsAndHasTheDocumentedLayout) {
  SmpQueueInfo info = sample();
  auto bytes = encode(info);
  ASSERT_TRUE(bytes);
  // u16 ‖ short(host) ‖ short(port) ‖ short(hash) ‖ short(id) ‖ short(44-byte SPKI)
  EXPECT_EQ(bytes.value().size(), 2u + 16 + 5 + 33 + 25 + 45);
  enc::Reader r(bytes.value());
  auto back = read_queue_info(r);
  r.expect_end();
  ASSERT_TRUE(r.ok() && back);
  EXPECT_EQ(back.value(), info);
}

TEST(SmpQueueInfo, EveryTruncationFails) {
  Bytes bytes = encode(sample()).value();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    enc::Reader r(ByteView(bytes).first(n));
    EXPECT_FALSE(read_queue_info(r)) << n;
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(SmpQueueInfo, RequiresAnX25519Key) {
  SmpQueueInfo info = sample();
  info.dh_public_key = crypto::generate_key_pair(KeyAlgorithm::x448).public_key;
  EXPECT_EQ(encode(info).error(), make_error_code(errc::wrong_algorithm));

  enc::Writer w;
  w.u16(1);
  protocol::write_smp_server(w, info.server);
  w.short_bytes(info.sender_id);
  crypto::write_public_key(w, info.dh_public_key);
  enc::Reader r(w.bytes());
  EXPECT_FALSE(read_queue_info(r));
  EXPECT_EQ(r.error(), errc::wrong_algorithm);
}

TEST(SmpQueueInfo, ConvertsToAndFromQueueUris) {
  SmpQueueInfo info = sample();
  auto uri = to_queue_uri(info, protocol::kShortQueueUriVersions);
  EXPECT_EQ(uri.client_versions, protocol::kShortQueueUriVersions);
  EXPECT_EQ(uri.sender_id, info.sender_id);
  EXPECT_EQ(to_queue_info(uri, 1), info);
}

}  // namespace
}  // namespace smp::agent
