#include "smp/agent/agent_error.h"

#include <vector>

#include <gtest/gtest.h>

namespace smp::agent {
namespace {

std::vector<std::pair<AgentError, std::string>> every_form() {
  return {
      {CmdError{CommandErrorType::prohibited}, "CMD PROHIBITED"},
      {CmdError{CommandErrorType::syntax}, "CMD SYNTAX"},
      {CmdError{CommandErrorType::no_conn}, "CMD NO_CONN"},
      {CmdError{CommandErrorType::size}, "CMD SIZE"},
      {CmdError{CommandErrorType::large}, "CMD LARGE"},
      {ConnError{ConnectionErrorType::not_found}, "CONN NOT_FOUND"},
      {ConnError{ConnectionErrorType::duplicate}, "CONN DUPLICATE"},
      {ConnError{ConnectionErrorType::simplex}, "CONN SIMPLEX"},
      {SmpError{errc::smp_auth}, "SMP AUTH"},
      {SmpError{errc::smp_cmd_no_queue}, "SMP CMD NO_QUEUE"},
      {broker_response(errc::smp_cmd_syntax), "BROKER RESPONSE CMD SYNTAX"},
      {broker_response(errc::smp_quota), "BROKER RESPONSE QUOTA"},
      {BrokerError{BrokerErrorKind::unexpected}, "BROKER UNEXPECTED"},
      {BrokerError{BrokerErrorKind::network}, "BROKER NETWORK"},
      {BrokerError{BrokerErrorKind::timeout}, "BROKER TIMEOUT"},
      {broker_transport(TransportErrorType::block), "BROKER TRANSPORT BLOCK"},
      {broker_transport(TransportErrorType::large_msg), "BROKER TRANSPORT LARGE_MSG"},
      {broker_transport(TransportErrorType::session), "BROKER TRANSPORT SESSION"},
      {broker_transport(TransportErrorType::parse), "BROKER TRANSPORT PARSE"},
      {broker_transport(TransportErrorType::version), "BROKER TRANSPORT VERSION"},
      {broker_transport(TransportErrorType::identity), "BROKER TRANSPORT IDENTITY"},
      {PeerError{PeerErrorType::a_message}, "AGENT A_MESSAGE"},
      {PeerError{PeerErrorType::a_prohibited}, "AGENT A_PROHIBITED"},
      {PeerError{PeerErrorType::a_version}, "AGENT A_VERSION"},
      {PeerError{PeerErrorType::a_encryption}, "AGENT A_ENCRYPTION"},
      {InternalError{"some error"}, R"(INTERNAL "some error")"},
      {InternalError{""}, R"(INTERNAL "")"},
      {InternalError{"say \"hi\"\\\n"}, R"(INTERNAL "say \"hi\"\\\n")"},
      {InternalError{"\xc3\xb7"
                     "6"},
       R"(INTERNAL "\247\&6")"},
  };
}

TEST(AgentError, EveryFormIsWrittenAndReadBack) {
  for (const auto& [error, text] : every_form()) {
    EXPECT_EQ(encode_agent_error(error), text);
    auto back = parse_agent_error(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back.value(), error) << text;
  }
}

TEST(AgentError, RejectsAnythingElse) {
  for (std::string_view bad : {
           "",
           "CMD",
           "CMD ",
           "CMD syntax",
           "CMD SYNTAX ",
           " CMD SYNTAX",
           "CMD  SYNTAX",
           "(CMD SYNTAX)",
           "CONN NOPE",
           "SMP",
           "SMP CMD",
           "SMP CMD PROHIBITED",
           "SMP DUPLICATE_",
           "BROKER",
           "BROKER RESPONSE",
           "BROKER RESPONSE PARSE",
           "BROKER TRANSPORT",
           "BROKER TRANSPORT AUTH",
           "BROKER TRANSPORT TEBadBlock",
           "AGENT MESSAGE",
           "AGENT A_MESSAGE x",
           "INTERNAL",
           "INTERNAL x",
           R"(INTERNAL "x" )",
           R"(INTERNAL "x)",
           "ERR CMD SYNTAX",
       }) {
    EXPECT_FALSE(parse_agent_error(bad)) << bad;
  }
}

TEST(AgentError, SmpErrorOutsideTheSmpGroupIsWrittenAsInternal) {
  EXPECT_EQ(encode_agent_error(SmpError{errc::io_error}), "SMP INTERNAL");
}

TEST(AgentError, CryptoErrorsMapAsTheReferenceDoes) {
  EXPECT_EQ(crypto_agent_error(errc::crypto_large_msg),
            AgentError(CmdError{CommandErrorType::large}));
  for (errc e : {errc::crypto_header, errc::aes_decrypt, errc::cb_decrypt}) {
    EXPECT_EQ(crypto_agent_error(e), AgentError(PeerError{PeerErrorType::a_encryption}));
  }
  EXPECT_EQ(encode_agent_error(crypto_agent_error(errc::ratchet_header)),
            R"(INTERNAL "CERatchetHeader")");
  EXPECT_EQ(encode_agent_error(crypto_agent_error(errc::ratchet_too_many_skipped)),
            R"(INTERNAL "CERatchetTooManySkipped")");
  EXPECT_EQ(encode_agent_error(crypto_agent_error(errc::ratchet_duplicate)),
            R"(INTERNAL "CERatchetDuplicateMessage")");
  EXPECT_EQ(encode_agent_error(crypto_agent_error(errc::ratchet_state)),
            R"(INTERNAL "CERatchetState")");
}

}  // namespace
}  // namespace smp::agent
