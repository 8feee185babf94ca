#include "smp/client/blocking_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_future.hpp>

namespace smp::client {

BlockingSmpClient::BlockingSmpClient() : inbox_(std::make_shared<Inbox>()) {}

Result<std::unique_ptr<BlockingSmpClient>> BlockingSmpClient::connect(protocol::SmpServer server,
                                                                      ClientConfig config) {
  std::unique_ptr<BlockingSmpClient> self(new BlockingSmpClient());
  std::weak_ptr<Inbox> inbox = self->inbox_;
  ClientCallbacks callbacks;
  callbacks.on_event = [inbox](ServerEvent event) {
    if (auto in = inbox.lock()) {
      std::lock_guard lock(in->mutex);
      in->events.push_back(std::move(event));
      in->ready.notify_all();
    }
  };
  callbacks.on_disconnect = [inbox](error_code) {
    if (auto in = inbox.lock()) {
      std::lock_guard lock(in->mutex);
      in->disconnected = true;
      in->ready.notify_all();
    }
  };
  auto future = net::co_spawn(
      self->io_,
      SmpClient::connect(self->io_.get_executor(), std::move(server), config, std::move(callbacks)),
      net::use_future);
  self->work_.emplace(self->io_.get_executor());
  self->thread_ = std::thread([io = &self->io_] { io->run(); });
  auto client = future.get();
  if (!client) return client.error();
  self->client_ = std::move(*client);
  return self;
}

BlockingSmpClient::~BlockingSmpClient() {
  // Dropping the client posts its close; its coroutines then end and, without the work
  // guard, io.run() returns.
  client_.reset();
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

template <class T>
Result<T> BlockingSmpClient::run(net::awaitable<Result<T>> op) {
  // co_spawn needs a default-constructible result, which Result<QueueIds> is not.
  auto wrapped = [](net::awaitable<Result<T>> inner) -> net::awaitable<std::optional<Result<T>>> {
    co_return co_await std::move(inner);
  };
  return std::move(*net::co_spawn(io_, wrapped(std::move(op)), net::use_future).get());
}

Result<QueueIds> BlockingSmpClient::create_queue(const crypto::PrivateKey& recipient_key,
                                                 const crypto::PublicKey& recipient_dh_key,
                                                 const QueueOptions& options) {
  return run(client_->create_queue(recipient_key, recipient_dh_key, options));
}
Result<NewQueue> BlockingSmpClient::create_queue(crypto::KeyAlgorithm algorithm,
                                                 const QueueOptions& options) {
  return run(client_->create_queue(algorithm, options));
}
Result<void> BlockingSmpClient::subscribe(const crypto::PrivateKey& recipient_key,
                                          ByteView recipient_id) {
  return run(client_->subscribe(recipient_key, recipient_id));
}
Result<void> BlockingSmpClient::secure_queue(const crypto::PrivateKey& recipient_key,
                                             ByteView recipient_id,
                                             const crypto::PublicKey& sender_key) {
  return run(client_->secure_queue(recipient_key, recipient_id, sender_key));
}
Result<void> BlockingSmpClient::secure_queue_by_sender(const crypto::PrivateKey& sender_key,
                                                       ByteView sender_id) {
  return run(client_->secure_queue_by_sender(sender_key, sender_id));
}
Result<Bytes> BlockingSmpClient::enable_notifications(const crypto::PrivateKey& recipient_key,
                                                      ByteView recipient_id,
                                                      const crypto::PublicKey& notifier_key) {
  return run(client_->enable_notifications(recipient_key, recipient_id, notifier_key));
}
Result<NotifierCreds> BlockingSmpClient::enable_notifications(
    const crypto::PrivateKey& recipient_key, ByteView recipient_id,
    const crypto::PublicKey& notifier_key, const crypto::PrivateKey& notification_dh_key) {
  return run(client_->enable_notifications(recipient_key, recipient_id, notifier_key,
                                           notification_dh_key));
}
Result<void> BlockingSmpClient::disable_notifications(const crypto::PrivateKey& recipient_key,
                                                      ByteView recipient_id) {
  return run(client_->disable_notifications(recipient_key, recipient_id));
}
Result<void> BlockingSmpClient::ack(const crypto::PrivateKey& recipient_key,
                                    ByteView recipient_id, ByteView msg_id) {
  return run(client_->ack(recipient_key, recipient_id, msg_id));
}
Result<void> BlockingSmpClient::ack(const crypto::PrivateKey& recipient_key,
                                    ByteView recipient_id) {
  return run(client_->ack(recipient_key, recipient_id));
}
Result<ReceivedMessage> BlockingSmpClient::get_message(const crypto::PrivateKey& recipient_key,
                                                       ByteView recipient_id) {
  return run(client_->get_message(recipient_key, recipient_id));
}
Result<void> BlockingSmpClient::suspend_queue(const crypto::PrivateKey& recipient_key,
                                              ByteView recipient_id) {
  return run(client_->suspend_queue(recipient_key, recipient_id));
}
Result<void> BlockingSmpClient::delete_queue(const crypto::PrivateKey& recipient_key,
                                             ByteView recipient_id) {
  return run(client_->delete_queue(recipient_key, recipient_id));
}
Result<std::string> BlockingSmpClient::queue_info(const crypto::PrivateKey& recipient_key,
                                                  ByteView recipient_id) {
  return run(client_->queue_info(recipient_key, recipient_id));
}
Result<void> BlockingSmpClient::send_message(const crypto::PrivateKey* sender_key,
                                             ByteView sender_id, ByteView body,
                                             bool notification) {
  return run(client_->send_message(sender_key, sender_id, body, notification));
}
Result<void> BlockingSmpClient::ping() { return run(client_->ping()); }
Result<void> BlockingSmpClient::subscribe_notifications(const crypto::PrivateKey& notifier_key,
                                                        ByteView notifier_id) {
  return run(client_->subscribe_notifications(notifier_key, notifier_id));
}
Result<void> BlockingSmpClient::set_link(const crypto::PrivateKey& recipient_key,
                                         ByteView recipient_id, ByteView link_id,
                                         ByteView fixed_data, ByteView user_data) {
  return run(client_->set_link(recipient_key, recipient_id, link_id, fixed_data, user_data));
}
Result<void> BlockingSmpClient::delete_link(const crypto::PrivateKey& recipient_key,
                                            ByteView recipient_id) {
  return run(client_->delete_link(recipient_key, recipient_id));
}
Result<QueueLink> BlockingSmpClient::secure_link(const crypto::PrivateKey& sender_key,
                                                 ByteView link_id) {
  return run(client_->secure_link(sender_key, link_id));
}
Result<QueueLink> BlockingSmpClient::get_link(ByteView link_id) {
  return run(client_->get_link(link_id));
}
Result<ProxiedRelay> BlockingSmpClient::create_proxied_relay(
    const protocol::SmpServer& destination, protocol::SmpError* server_error) {
  return run(client_->create_proxied_relay(destination, server_error));
}
Result<void> BlockingSmpClient::send_message_via_proxy(const ProxiedRelay& relay,
                                                       const crypto::PrivateKey* sender_key,
                                                       ByteView sender_id, ByteView body,
                                                       bool notification,
                                                       protocol::SmpError* server_error) {
  return run(client_->send_message_via_proxy(relay, sender_key, sender_id, body, notification,
                                             server_error));
}
Result<Reply> BlockingSmpClient::send_command_via_proxy(const ProxiedRelay& relay,
                                                       const crypto::PrivateKey* key,
                                                       ByteView entity_id,
                                                       const protocol::Command& command,
                                                       protocol::SmpError* server_error) {
  return run(client_->send_command_via_proxy(relay, key, entity_id, command, server_error));
}
Result<Reply> BlockingSmpClient::send_command(const crypto::PrivateKey* key, ByteView queue_id,
                                              const protocol::Command& command) {
  return run(client_->send_command(key, queue_id, command));
}

void BlockingSmpClient::close() {
  client_->close();
  std::lock_guard lock(inbox_->mutex);
  inbox_->disconnected = true;
  inbox_->ready.notify_all();
}

Result<ServerEvent> BlockingSmpClient::next_event(std::chrono::steady_clock::duration timeout) {
  std::unique_lock lock(inbox_->mutex);
  inbox_->ready.wait_for(lock, timeout,
                         [&] { return !inbox_->events.empty() || inbox_->disconnected; });
  if (!inbox_->events.empty()) {
    ServerEvent event = std::move(inbox_->events.front());
    inbox_->events.pop_front();
    return event;
  }
  return make_error_code(inbox_->disconnected ? errc::connection_closed : errc::timeout);
}

}  // namespace smp::client
