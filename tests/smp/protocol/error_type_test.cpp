#include "smp/protocol/error_type.h"

#include <gtest/gtest.h>

#include <string>

namespace smp::protocol {
namespace {

constexpr errc kAll[] = {
    errc::smp_block,        errc::smp_session,      errc::smp_cmd_unknown, errc::smp_cmd_syntax,
    errc::smp_cmd_no_auth,  errc::smp_cmd_has_auth, errc::smp_cmd_no_queue, errc::smp_auth,
    errc::smp_quota,        errc::smp_no_msg,       errc::smp_large_msg,   errc::smp_internal,
};

TEST(ErrorType, TextMatchesReferenceTokens) {
  EXPECT_EQ(error_type_text(errc::smp_block), "BLOCK");
  EXPECT_EQ(error_type_text(errc::smp_session), "SESSION");
  EXPECT_EQ(error_type_text(errc::smp_cmd_unknown), "CMD UNKNOWN");
  EXPECT_EQ(error_type_text(errc::smp_cmd_syntax), "CMD SYNTAX");
  EXPECT_EQ(error_type_text(errc::smp_cmd_no_auth), "CMD NO_AUTH");
  EXPECT_EQ(error_type_text(errc::smp_cmd_has_auth), "CMD HAS_AUTH");
  EXPECT_EQ(error_type_text(errc::smp_cmd_no_queue), "CMD NO_QUEUE");
  EXPECT_EQ(error_type_text(errc::smp_auth), "AUTH");
  EXPECT_EQ(error_type_text(errc::smp_quota), "QUOTA");
  EXPECT_EQ(error_type_text(errc::smp_no_msg), "NO_MSG");
  EXPECT_EQ(error_type_text(errc::smp_large_msg), "LARGE_MSG");
  EXPECT_EQ(error_type_text(errc::smp_internal), "INTERNAL");
}

TEST(ErrorType, EveryTextParsesBackToItsValue) {
  for (errc e : kAll) {
    ASSERT_TRUE(is_error_type(e));
    auto parsed = parse_error_type(as_bytes(error_type_text(e)));
    ASSERT_TRUE(parsed.has_value()) << error_type_text(e);
    EXPECT_EQ(*parsed, e);
    // The error category's stable names agree with the wire text.
    EXPECT_EQ(errc_name(e), error_type_text(e));
  }
}

TEST(ErrorType, NonProtocolErrorsAreReportedAsInternal) {
  for (errc e : {errc::truncated, errc::io_error, errc::store_corrupt, errc::crypto_failure,
                 errc::transport_large_msg, errc::ok}) {
    EXPECT_FALSE(is_error_type(e));
    EXPECT_EQ(to_error_type(e), errc::smp_internal);
    EXPECT_EQ(error_type_text(e), "INTERNAL");
  }
  EXPECT_EQ(to_error_type(errc::smp_quota), errc::smp_quota);
}

TEST(ErrorType, RejectsAnythingButAnExactToken) {
  for (std::string bad : {"", "CMD", "CMD ", "CMD  SYNTAX", "CMD SYNTAX ", " AUTH", "AUTH ",
                          "auth", "Cmd SYNTAX", "CMD AUTH", "CMD_SYNTAX", "AUTHX", "DUPLICATE_",
                          "CMD PROHIBITED", "NO_MSG\n"}) {
    auto r = parse_error_type(as_bytes(bad));
    ASSERT_FALSE(r.has_value()) << '"' << bad << '"';
  }
  const std::string with_nul("AUTH\0", 5);
  EXPECT_FALSE(parse_error_type(as_bytes(with_nul)).has_value());
}

}  // namespace
}  // namespace smp::protocol
