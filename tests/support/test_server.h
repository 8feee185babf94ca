// An in-process SMP server for integration tests: fresh certificates in a temporary
// directory, empty stores, listening on an ephemeral port of 127.0.0.1, stopped and cleaned
// up on destruction. Not thread-safe (the Server itself is).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smp/server/message_store.h"
#include "smp/server/queue_store.h"
#include "smp/server/server.h"
#include "smp/server/server_config.h"
#include "smp/server/store_log.h"
#include "support/smp_test_client.h"

namespace smp::test {

class TestServer {
 public:
  // `adjust` may change the configuration before start (listeners and files are set). With
  // `with_store_log` the server appends to store_log_path().
  explicit TestServer(std::function<void(server::ServerConfig&)> adjust = {},
                      bool with_store_log = false);
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

  // Stops the server (every client is disconnected); queues and messages stay in memory.
  void stop();
  // Starts it again on the same port(s) with the same stores and certificates: a server
  // restart as clients see it. False (and a test failure) when a port cannot be bound.
  bool restart();
  std::filesystem::path store_log_path() const { return dir_ / "smp-server-store.log"; }
  // The store log's lines so far.
  std::vector<std::string> store_log_lines() const;

 private:
  std::filesystem::path dir_;
  server::ServerConfig config_;
  server::QueueStore queues_;
  server::MessageStore messages_;
  std::unique_ptr<server::StoreLog> log_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
  std::vector<std::uint16_t> ports_;
  bool started_ = false;
};

}  // namespace smp::test
