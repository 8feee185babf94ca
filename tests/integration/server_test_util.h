// Shorthands shared by the server integration tests. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "smp/protocol/command.h"
#include "support/smp_test_client.h"
#include "support/test_server.h"

namespace smp::test {

namespace cmd = protocol::cmd;
namespace msg = protocol::msg;

inline ByteView bytes_of(std::string_view s) { return as_bytes(s); }

// prefix + decimal n (spelled out: GCC 12 warns falsely on operator+ of strings).
inline std::string numbered(std::string_view prefix, int n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// Expects `r` to be OK for queue `qid` with corrId `corr`.
inline void expect_ok(const std::optional<Reply>& r, std::string_view corr, ByteView qid) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->tag(), "OK") << "ERR " << errc_name(r->err());
  EXPECT_EQ(r->corr_id(), corr);
  EXPECT_EQ(r->queue_id(), to_bytes(qid));
}

inline void expect_err(const std::optional<Reply>& r, errc e, std::string_view corr,
                       ByteView qid) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->tag(), "ERR");
  EXPECT_EQ(r->err(), e) << errc_name(r->err());
  EXPECT_EQ(r->corr_id(), corr);
  EXPECT_EQ(r->queue_id(), to_bytes(qid));
}

// Expects a MSG for `q` whose body decrypts to `plain`; returns its message id.
inline Bytes expect_msg(const std::optional<Reply>& r, const RecipientQueue& q,
                        std::string_view corr, std::string_view plain) {
  if (!r) {
    ADD_FAILURE() << "no reply";
    return {};
  }
  const auto* m = r->as<msg::Msg>();
  if (m == nullptr) {
    ADD_FAILURE() << "expected MSG, got " << r->tag() << " " << errc_name(r->err());
    return {};
  }
  EXPECT_EQ(r->corr_id(), corr);
  EXPECT_EQ(r->queue_id(), q.rid);
  EXPECT_EQ(m->msg_id.size(), 24u);
  EXPECT_EQ(m->body.size(), 16106u);
  auto decrypted = decrypt_message(q, *m);
  EXPECT_TRUE(decrypted) << "MSG body does not decrypt with the recipient's DH secret";
  if (decrypted) {
    EXPECT_EQ(std::string(as_chars(*decrypted)), plain);
  }
  return to_bytes(m->msg_id);
}

// PING → PONG: everything the server queued for this client before is read first.
inline void expect_pong(TestClient& c, std::string_view corr = "ping") {
  auto r = c.request(corr, {}, cmd::Ping{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->tag(), "PONG") << "got " << r->tag() << " for queue " << to_hex(r->queue_id());
  EXPECT_EQ(r->corr_id(), corr);
  EXPECT_TRUE(r->queue_id().empty());
}

}  // namespace smp::test
