// The SMP connections of one Agent (spec §7.11): one SmpClient per server, connected on first
// use (concurrent callers share one attempt), and the registry of subscribed receive queues
// (server, recipient id) → connection id. When a connection drops it is forgotten with its
// subscriptions and on_down gets what was subscribed there (reconnecting is the agent's job);
// MSG / END go to on_event. Strand-bound: methods and handlers run on the agent's strand.
// Owned by shared_ptr (SmpClient callbacks hold weak references); close() ends it all.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>

#include "smp/agent/agent_store_types.h"
#include "smp/client/smp_client.h"
#include "smp/common/error.h"
#include "smp/protocol/server_address.h"

namespace smp::agent {

namespace net = boost::asio;

class ServerClients : public std::enable_shared_from_this<ServerClients> {
 public:
  using Strand = net::strand<net::any_io_executor>;

  // A queue the agent was subscribed to on a server. Copyable.
  struct Subscription {
    Bytes rcv_id;
    ConnId conn_id;
  };

  struct Handlers {
    std::function<void(const protocol::SmpServer&, client::ServerEvent)> on_event;
    std::function<void(const protocol::SmpServer&, std::vector<Subscription>)> on_down;
  };

  ServerClients(Strand strand, client::ClientConfig config, Handlers handlers);
  ServerClients(const ServerClients&) = delete;
  ServerClients& operator=(const ServerClients&) = delete;

  // The open connection to `server`, connecting when there is none. Errors are those of
  // SmpClient::connect; errc::connection_closed after close().
  net::awaitable<Result<std::shared_ptr<client::SmpClient>>> get(protocol::SmpServer server);

  void add_subscription(const protocol::SmpServer& server, ByteView rcv_id, const ConnId& conn_id);
  void remove_subscription(const protocol::SmpServer& server, ByteView rcv_id);
  // Removes every subscription of the connection (on DEL).
  void remove_connection(const ConnId& conn_id);
  bool subscribed(const protocol::SmpServer& server, ByteView rcv_id) const;

  // Closes every connection; no handler runs afterwards. Idempotent.
  void close();
  bool closed() const { return closed_; }

 private:
  struct Attempt;
  struct Entry {
    std::shared_ptr<client::SmpClient> client;
    std::shared_ptr<Attempt> attempt;  // set while connecting
    std::uint64_t generation = 0;
  };
  struct ServerSubs {
    protocol::SmpServer server;
    std::map<std::string, ConnId> queues;  // by recipient id (as bytes in a string)
  };

  static std::string key_of(const protocol::SmpServer& server);
  client::ClientCallbacks callbacks_for(const protocol::SmpServer& server,
                                        std::uint64_t generation);
  void disconnected(const protocol::SmpServer& server, std::uint64_t generation);

  const Strand strand_;
  const client::ClientConfig config_;
  const Handlers handlers_;
  std::map<std::string, Entry> clients_;
  std::map<std::string, ServerSubs> subs_;
  std::uint64_t next_generation_ = 1;
  bool closed_ = false;
};

}  // namespace smp::agent
