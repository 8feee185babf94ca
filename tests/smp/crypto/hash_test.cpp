// SHA3-384 (Crypto.hs sha3_384, used for the sender id a client chooses for a queue with a
// short link): the FIPS 202 example values.

#include "smp/crypto/hash.h"

#include <gtest/gtest.h>

#include "smp/common/bytes.h"

namespace smp::crypto {
namespace {

std::string hex(const Sha3_384Digest& d) { return to_hex(ByteView(d.data(), d.size())); }

TEST(Sha3_384, MatchesTheFips202Examples) {
  EXPECT_EQ(hex(sha3_384(as_bytes(""))),
            "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2a"
            "c3713831264adb47fb6bd1e058d5f004");
  EXPECT_EQ(hex(sha3_384(as_bytes("abc"))),
            "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2"
            "98d88cea927ac7f539f1edf228376d25");
}

}  // namespace
}  // namespace smp::crypto
