// StoreCache: decoded copies of what the agent store reads on every message — connections
// with their queues (loading an Ed448 or X25519 private key computes its public key, a scalar
// multiplication) and ratchet states (likewise their X448 key). The AgentStore keeps it
// coherent: every write of a cached row updates or forgets the entry, and a transaction that
// rolls back clears it all. Entries are clones and so is what it hands out.
// Bounded: past `capacity` connections an arbitrary entry is dropped; capacity 0 disables it.
// Not thread-safe (owned by one AgentStore).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "smp/agent/agent_store_types.h"
#include "smp/agent/ratchet_state.h"

namespace smp::agent::detail {

class StoreCache {
 public:
  explicit StoreCache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<Connection> connection(std::string_view conn_id) const {
    auto it = entries_.find(conn_id);
    if (it == entries_.end() || !it->second.conn) return std::nullopt;
    return clone_connection(*it->second.conn);
  }
  void put_connection(std::string_view conn_id, const Connection& conn) {
    if (Entry* e = entry(conn_id)) e->conn = clone_connection(conn);
  }

  std::optional<Ratchet> ratchet(std::string_view conn_id) const {
    auto it = entries_.find(conn_id);
    if (it == entries_.end() || !it->second.ratchet) return std::nullopt;
    return it->second.ratchet->clone();
  }
  void put_ratchet(std::string_view conn_id, const Ratchet& ratchet) {
    if (Entry* e = entry(conn_id)) e->ratchet = ratchet.clone();
  }

  // The connection's queues changed.
  void forget_connection(std::string_view conn_id) {
    if (auto it = entries_.find(conn_id); it != entries_.end()) it->second.conn.reset();
  }
  // A queue changed that is known only by server and queue id.
  void forget_connections() {
    for (auto& [id, e] : entries_) e.conn.reset();
  }
  void forget_ratchet(std::string_view conn_id) {
    if (auto it = entries_.find(conn_id); it != entries_.end()) it->second.ratchet.reset();
  }
  void forget(std::string_view conn_id) {
    if (auto it = entries_.find(conn_id); it != entries_.end()) entries_.erase(it);
  }
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    std::optional<Connection> conn;
    std::optional<Ratchet> ratchet;
  };

  // The entry of conn_id, made when absent; nullptr when caching is off.
  Entry* entry(std::string_view conn_id) {
    if (capacity_ == 0) return nullptr;
    auto it = entries_.find(conn_id);
    if (it != entries_.end()) return &it->second;
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    return &entries_.emplace(std::string(conn_id), Entry{}).first->second;
  }

  std::size_t capacity_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace smp::agent::detail
