// An in-process SMP server for integration tests: fresh certificates in a temporary
// directory, empty stores, listening on an ephemeral port of 127.0.0.1, stopped and cleaned
// up on destruction. Not thread-safe (the Server itself is).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"
#include "smp/server/server.h"
#include "smp/server/server_config.h"
#include "support/smp_test_client.h"

namespace smp::test {

class TestServer {
 public:
  // `adjust` may change the configuration before start (listeners and files are set).
  explicit TestServer(std::function<void(server::ServerConfig&)> adjust = {});
  ~TestServer();

  bool started() const { return started_; }
  std::uint16_t port() const { return port_; }
  // The port of listener i (in config order).
  std::uint16_t port(std::size_t i) const { return ports_.at(i); }
  const Bytes& key_hash() const { return server_->key_hash(); }
  server::Server& server() { return *server_; }
  server::QueueStore& queues() { return queues_; }
  server::MessageStore& messages() { return messages_; }
  const server::ServerConfig& config() const { return config_; }

  std::unique_ptr<TestClient> connect() { return TestClient::connect(port_, key_hash()); }

 private:
  std::filesystem::path dir_;
  server::ServerConfig config_;
  server::QueueStore queues_;
  server::MessageStore messages_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
  std::vector<std::uint16_t> ports_;
  bool started_ = false;
};

}  // namespace smp::test
