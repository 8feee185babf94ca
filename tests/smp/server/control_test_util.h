// A ServerContext with real stores and a store log in a temporary directory, for the tests of
// the control port's commands (no network: no connection is ever subscribed). Not
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server_test_util.h"
#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"
#include "smp/server/server_context.h"
#include "smp/server/store_log.h"

namespace smp::server::test {

class ControlFixture : public ::testing::Test {
 protected:
  ControlFixture() {
    log_ = StoreLog::open_for_append(dir_ / "store.log").value();
    ctx_ = std::make_unique<ServerContext>(ServerConfig{}, queues_, messages_, log_.get());
  }

  // A queue in the store (not logged: only the commands' own records are looked at).
  QueueRecord add_queue(std::uint32_t seed) {
    QueueRecord q = make_queue(seed);
    EXPECT_TRUE(queues_.add(q));
    return q;
  }

  void add_message(const QueueRecord& q, std::uint8_t tag) {
    Message m;
    m.id[0] = tag;
    m.timestamp = 1'700'000'000;
    m.body = std::make_shared<const Bytes>(Bytes{tag});
    EXPECT_TRUE(messages_.get_or_create(q.recipient_id)->push(m, 100, QuotaRule::refuse));
  }

  // The store log's lines so far.
  std::vector<std::string> log_lines() const {
    std::vector<std::string> lines;
    std::string text = read_file(dir_ / "store.log");
    for (std::size_t at = 0; at < text.size();) {
      std::size_t end = text.find('\n', at);
      lines.push_back(text.substr(at, end - at));
      at = end == std::string::npos ? text.size() : end + 1;
    }
    return lines;
  }

  TempDir dir_;
  QueueStore queues_;
  MessageStore messages_;
  std::unique_ptr<StoreLog> log_;
  std::unique_ptr<ServerContext> ctx_;
};

}  // namespace smp::server::test
