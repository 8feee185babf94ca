// BlockingSmpClient: SmpClient behind plain blocking calls, for scripts, tools and tests.
// It owns an io_context run by one thread of its own; server events are queued inside and
// taken with next_event().
//
// Thread-safe: any thread may call any method, concurrently, except the io thread itself
// (a call from inside a callback running on it would deadlock). Destruction closes the
// connection and joins the thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "smp/client/smp_client.h"

namespace smp::client {

class BlockingSmpClient {
 public:
  // As SmpClient::connect; config.connect_timeout bounds the wait.
  static Result<std::unique_ptr<BlockingSmpClient>> connect(protocol::SmpServer server,
                                                            ClientConfig config = {});

  BlockingSmpClient(const BlockingSmpClient&) = delete;
  BlockingSmpClient& operator=(const BlockingSmpClient&) = delete;
  ~BlockingSmpClient();

  // The asynchronous client underneath (for its stats, session id, or awaitable calls).
  SmpClient& async_client() { return *client_; }
  bool is_open() const { return client_->is_open(); }
  // Closes the connection; calls after it fail with errc::connection_closed.
  void close();

  // The same commands as SmpClient, waiting for the answer.
  Result<QueueIds> create_queue(const crypto::PrivateKey& recipient_key,
                                const crypto::PublicKey& recipient_dh_key,
                                const QueueOptions& options = {});
  Result<NewQueue> create_queue(crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::ed25519,
                                const QueueOptions& options = {});
  Result<void> subscribe(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<void> secure_queue(const crypto::PrivateKey& recipient_key, ByteView recipient_id,
                            const crypto::PublicKey& sender_key);
  Result<void> secure_queue_by_sender(const crypto::PrivateKey& sender_key, ByteView sender_id);
  Result<Bytes> enable_notifications(const crypto::PrivateKey& recipient_key, ByteView recipient_id,
                                     const crypto::PublicKey& notifier_key);
  Result<NotifierCreds> enable_notifications(const crypto::PrivateKey& recipient_key,
                                             ByteView recipient_id,
                                             const crypto::PublicKey& notifier_key,
                                             const crypto::PrivateKey& notification_dh_key);
  Result<void> disable_notifications(const crypto::PrivateKey& recipient_key,
                                     ByteView recipient_id);
  Result<void> ack(const crypto::PrivateKey& recipient_key, ByteView recipient_id,
                   ByteView msg_id);
  Result<void> ack(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<ReceivedMessage> get_message(const crypto::PrivateKey& recipient_key,
                                      ByteView recipient_id);
  Result<void> suspend_queue(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<void> delete_queue(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<std::string> queue_info(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<void> send_message(const crypto::PrivateKey* sender_key, ByteView sender_id,
                            ByteView body, bool notification = false);
  Result<void> ping();
  Result<void> subscribe_notifications(const crypto::PrivateKey& notifier_key,
                                       ByteView notifier_id);
  Result<void> set_link(const crypto::PrivateKey& recipient_key, ByteView recipient_id,
                        ByteView link_id, ByteView fixed_data, ByteView user_data);
  Result<void> delete_link(const crypto::PrivateKey& recipient_key, ByteView recipient_id);
  Result<QueueLink> secure_link(const crypto::PrivateKey& sender_key, ByteView link_id);
  Result<QueueLink> get_link(ByteView link_id);
  Result<Reply> send_command(const crypto::PrivateKey* key, ByteView queue_id,
                             const protocol::Command& command);
  // Private message routing through this client's server (smp_client.h).
  Result<ProxiedRelay> create_proxied_relay(const protocol::SmpServer& destination,
                                            protocol::SmpError* server_error = nullptr);
  Result<void> send_message_via_proxy(const ProxiedRelay& relay,
                                      const crypto::PrivateKey* sender_key, ByteView sender_id,
                                      ByteView body, bool notification = false,
                                      protocol::SmpError* server_error = nullptr);
  Result<Reply> send_command_via_proxy(const ProxiedRelay& relay, const crypto::PrivateKey* key,
                                       ByteView entity_id, const protocol::Command& command,
                                       protocol::SmpError* server_error = nullptr);

  // The oldest queued server event. errc::timeout when none arrives within `timeout`;
  // errc::connection_closed when the connection is gone and the queue is empty.
  Result<ServerEvent> next_event(std::chrono::steady_clock::duration timeout);

 private:
  // The state shared with the callbacks running on the io thread.
  struct Inbox {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<ServerEvent> events;
    bool disconnected = false;
  };

  BlockingSmpClient();
  template <class T>
  Result<T> run(net::awaitable<Result<T>> op);

  boost::asio::io_context io_;
  // Keeps io_ running between calls, even after the connection has ended.
  std::optional<net::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<SmpClient> client_;
  std::shared_ptr<Inbox> inbox_;
  std::thread thread_;
};

}  // namespace smp::client
