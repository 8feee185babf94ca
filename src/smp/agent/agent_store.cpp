// Opening the store, connections and queues.
#include "smp/agent/agent_store.h"

#include <chrono>
#include <map>
#include <optional>

#include <spdlog/spdlog.h>

#include "smp/agent/agent_store_internal.h"
#include "smp/agent/migrations.h"
#include "smp/common/try.h"

namespace smp::agent {

using detail::id_blob;

namespace {

constexpr std::size_t kStatementCacheCapacity = 128;

// Column order shared by every query that reads whole queues.
constexpr std::string_view kRcvQueueSelect =
    "SELECT s.key_hash, q.host, q.port, q.rcv_id, q.rcv_private_key, q.rcv_dh_secret,"
    " q.e2e_priv_key, q.e2e_dh_secret, q.snd_id, q.status, q.smp_client_version, q.conn_id"
    " FROM rcv_queues q JOIN servers s ON s.host = q.host AND s.port = q.port";
constexpr std::string_view kSndQueueSelect =
    "SELECT s.key_hash, q.host, q.port, q.snd_id, q.snd_private_key, q.e2e_dh_secret,"
    " q.e2e_pub_key, q.status, q.smp_client_version, q.conn_id"
    " FROM snd_queues q JOIN servers s ON s.host = q.host AND s.port = q.port";
constexpr int kRcvQueueConnIdColumn = 11;
constexpr int kSndQueueConnIdColumn = 9;

std::string with_tail(std::string_view select, std::string_view tail) {
  return std::string(select) + std::string(tail);
}

Result<enc::Version> column_version(sqlite::Database& db, const sqlite::Statement& st, int col) {
  std::int64_t v = st.column_int64(col);
  if (v < 0 || v > 0xFFFF) return detail::corrupt(db, "queue version");
  return static_cast<enc::Version>(v);
}

protocol::SmpServer column_server(const sqlite::Statement& st) {
  return protocol::SmpServer{st.column_text(1), st.column_text(2), st.column_blob(0)};
}

Result<RcvQueue> read_rcv_queue(sqlite::Database& db, const sqlite::Statement& st) {
  SMP_TRY(auto rcv_key, detail::column_private_key(db, st, 4, crypto::kSignatureAlgorithms));
  SMP_TRY(auto e2e_key, detail::column_private_key(db, st, 6, crypto::kDhX25519));
  SMP_TRY(QueueStatus status, detail::column_queue_status(db, st, 9));
  SMP_TRY(enc::Version version, column_version(db, st, 10));
  std::optional<SecretBytes> e2e_secret;
  if (!st.column_is_null(7)) e2e_secret = st.column_secret(7);
  return RcvQueue{column_server(st),
                  st.column_blob(3),
                  std::move(rcv_key),
                  st.column_secret(5),
                  std::move(e2e_key),
                  std::move(e2e_secret),
                  st.column_blob(8),
                  status,
                  version};
}

Result<SndQueue> read_snd_queue(sqlite::Database& db, const sqlite::Statement& st) {
  SMP_TRY(auto snd_key, detail::column_private_key(db, st, 4, crypto::kSignatureAlgorithms));
  std::optional<crypto::PublicKey> e2e_pub;
  if (!st.column_is_null(6)) {
    SMP_TRY(auto key, detail::column_public_key(db, st, 6, crypto::kDhX25519));
    e2e_pub = key;
  }
  SMP_TRY(QueueStatus status, detail::column_queue_status(db, st, 7));
  SMP_TRY(enc::Version version, column_version(db, st, 8));
  return SndQueue{column_server(st),
                  st.column_blob(3),
                  std::move(snd_key),
                  st.column_secret(5),
                  e2e_pub,
                  status,
                  version};
}

Result<std::optional<RcvQueue>> rcv_queue_by_conn(sqlite::Database& db, std::string_view conn_id) {
  static const std::string kSql = with_tail(kRcvQueueSelect, " WHERE q.conn_id = ?");
  SMP_TRY(auto st, db.cached(kSql));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return std::optional<RcvQueue>{};
  SMP_TRY(auto q, read_rcv_queue(db, *st));
  return std::optional<RcvQueue>(std::move(q));
}

Result<std::optional<SndQueue>> snd_queue_by_conn(sqlite::Database& db, std::string_view conn_id) {
  static const std::string kSql = with_tail(kSndQueueSelect, " WHERE q.conn_id = ?");
  SMP_TRY(auto st, db.cached(kSql));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return std::optional<SndQueue>{};
  SMP_TRY(auto q, read_snd_queue(db, *st));
  return std::optional<SndQueue>(std::move(q));
}

// The connection type the queues make; a contact connection with a send queue is corrupt.
Result<Connection> assemble(sqlite::Database& db, ConnData data, std::optional<RcvQueue> rq,
                            std::optional<SndQueue> sq) {
  if (data.mode == ConnectionMode::contact) {
    if (sq) return detail::corrupt(db, "contact connection (it has a send queue)");
    if (rq) return Connection(ContactConnection{std::move(data), std::move(*rq)});
    return Connection(NewConnection{std::move(data)});
  }
  if (rq && sq)
    return Connection(DuplexConnection{std::move(data), std::move(*rq), std::move(*sq)});
  if (rq) return Connection(RcvConnection{std::move(data), std::move(*rq)});
  if (sq) return Connection(SndConnection{std::move(data), std::move(*sq)});
  return Connection(NewConnection{std::move(data)});
}

Result<Connection> load_connection(sqlite::Database& db, std::string_view conn_id) {
  SMP_TRY(ConnectionMode mode, detail::connection_mode(db, conn_id));
  SMP_TRY(auto rq, rcv_queue_by_conn(db, conn_id));
  SMP_TRY(auto sq, snd_queue_by_conn(db, conn_id));
  return assemble(db, ConnData{std::string(conn_id), mode}, std::move(rq), std::move(sq));
}

struct ConnShape {
  ConnectionMode mode;
  ConnType type;
};

// A connection's mode and type (from which queues exist), without reading any key.
Result<ConnShape> connection_shape(sqlite::Database& db, std::string_view conn_id) {
  SMP_TRY(auto st, db.cached("SELECT c.conn_mode,"
                             " EXISTS (SELECT 1 FROM rcv_queues r WHERE r.conn_id = c.conn_id),"
                             " EXISTS (SELECT 1 FROM snd_queues s WHERE s.conn_id = c.conn_id)"
                             " FROM connections c WHERE c.conn_id = ?"));
  st->bind_all(id_blob(conn_id));
  SMP_TRY(bool row, st->step());
  if (!row) return db.fail(errc::not_found, "connection not found");
  SMP_TRY(ConnectionMode mode, detail::column_conn_mode(db, *st, 0));
  bool rcv = st->column_int64(1) != 0;
  bool snd = st->column_int64(2) != 0;
  ConnType type = mode == ConnectionMode::contact ? (rcv ? ConnType::contact : ConnType::new_)
                  : rcv && snd                    ? ConnType::duplex
                  : rcv                           ? ConnType::rcv
                  : snd                           ? ConnType::snd
                                                  : ConnType::new_;
  return ConnShape{mode, type};
}

Result<void> upsert_server(sqlite::Database& db, const protocol::SmpServer& server) {
  SMP_TRY(auto st,
          db.cached("INSERT INTO servers (host, port, key_hash) VALUES (?, ?, ?)"
                    " ON CONFLICT (host, port) DO UPDATE SET key_hash = excluded.key_hash"));
  st->bind_all(server.host, server.port, server.key_hash);
  return st->run();
}

Result<void> insert_connection(sqlite::Database& db, std::string_view conn_id,
                               ConnectionMode mode) {
  SMP_TRY(auto st, db.cached("INSERT INTO connections (conn_id, conn_mode) VALUES (?, ?)"));
  st->bind_all(id_blob(conn_id), detail::conn_mode_text(mode));
  return st->run();
}

Result<void> insert_rcv_queue(sqlite::Database& db, std::string_view conn_id, const RcvQueue& q) {
  if (!crypto::is_signature_algorithm(q.rcv_private_key.algorithm()) ||
      q.e2e_priv_key.algorithm() != crypto::KeyAlgorithm::x25519)
    return db.fail(errc::wrong_algorithm, "receive queue keys of the wrong algorithm");
  SMP_TRY_VOID(upsert_server(db, q.server));
  SMP_TRY(auto st, db.cached("INSERT INTO rcv_queues (host, port, rcv_id, conn_id, rcv_private_key,"
                             " rcv_dh_secret, e2e_priv_key, e2e_dh_secret, snd_id, status,"
                             " smp_client_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st->bind_all(q.server.host, q.server.port, q.rcv_id, id_blob(conn_id),
               crypto::encode_private_key_der(q.rcv_private_key), q.rcv_dh_secret,
               crypto::encode_private_key_der(q.e2e_priv_key), q.e2e_dh_secret, q.snd_id,
               queue_status_text(q.status), q.client_version);
  return st->run();
}

Result<void> insert_snd_queue(sqlite::Database& db, std::string_view conn_id, const SndQueue& q) {
  if (!crypto::is_signature_algorithm(q.snd_private_key.algorithm()) ||
      (q.e2e_pub_key && q.e2e_pub_key->algorithm() != crypto::KeyAlgorithm::x25519))
    return db.fail(errc::wrong_algorithm, "send queue keys of the wrong algorithm");
  SMP_TRY_VOID(upsert_server(db, q.server));
  SMP_TRY(auto st, db.cached("INSERT INTO snd_queues (host, port, snd_id, conn_id, snd_private_key,"
                             " e2e_dh_secret, e2e_pub_key, status, smp_client_version)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::optional<Bytes> e2e_pub;
  if (q.e2e_pub_key) e2e_pub = crypto::encode_public_key_der(*q.e2e_pub_key);
  st->bind_all(q.server.host, q.server.port, q.snd_id, id_blob(conn_id),
               crypto::encode_private_key_der(q.snd_private_key), q.e2e_dh_secret, e2e_pub,
               queue_status_text(q.status), q.client_version);
  return st->run();
}

bool type_in(ConnType t, std::initializer_list<ConnType> allowed) {
  for (ConnType a : allowed)
    if (a == t) return true;
  return false;
}

Result<void> add_rcv_queue_if(sqlite::Database& db, std::string_view conn_id, const RcvQueue& q,
                              std::initializer_list<ConnType> allowed) {
  SMP_TRY(ConnShape shape, connection_shape(db, conn_id));
  if (!type_in(shape.type, allowed))
    return db.fail(errc::wrong_state, "the connection cannot take a receive queue");
  return insert_rcv_queue(db, conn_id, q);
}

// A contact connection never gets a send queue, whatever its type.
Result<void> add_snd_queue_if(sqlite::Database& db, std::string_view conn_id, const SndQueue& q,
                              std::initializer_list<ConnType> allowed) {
  SMP_TRY(ConnShape shape, connection_shape(db, conn_id));
  if (!type_in(shape.type, allowed) || shape.mode == ConnectionMode::contact)
    return db.fail(errc::wrong_state, "the connection cannot take a send queue");
  return insert_snd_queue(db, conn_id, q);
}

Result<void> update_queue(sqlite::Database& db, const std::string& text, std::string_view what,
                          const protocol::SmpServer& server, ByteView queue_id,
                          std::string_view status) {
  SMP_TRY(auto st, db.cached(text));
  st->bind_all(status, server.host, server.port, queue_id);
  SMP_TRY_VOID(st->run());
  return detail::expect_changed(db, what);
}

}  // namespace

Result<AgentStore> AgentStore::open(const std::filesystem::path& path,
                                    const StoreOptions& options) {
  sqlite::OpenOptions o;
  o.create = options.create;
  o.read_only = options.read_only;
  // Commits are not synced (synchronous = NORMAL): the agent makes them durable by syncing the
  // WAL before anything that depends on them is reported or sent (SharedAgentStore), and one
  // such sync covers every commit made before it, from any connection of the agent. FULL would
  // cost an fsync per transaction — several per message — under the store's lock; NORMAL keeps
  // the database consistent through a power loss, and the explicit sync makes what the agent
  // reported durable.
  o.synchronous = sqlite::Synchronous::normal;
  o.vfs = options.vfs;
  o.busy_timeout = options.busy_timeout;
  o.statement_cache_capacity = kStatementCacheCapacity;
  auto db = sqlite::Database::open(path, o);
  if (!db) {
    spdlog::error("agent store {}: cannot open: {}", path.string(), db.error().message());
    return db.error();
  }
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto applied = migrate(*db, agent_migrations(), now);
  if (!applied) {
    spdlog::error("agent store {}: {}", path.string(), db->last_error());
    return applied.error();
  }
  for (const auto& name : *applied) spdlog::info("agent store: applied migration {}", name);
  return AgentStore(std::move(*db), options.read_only ? 0 : options.cache_capacity);
}

Result<ConnId> AgentStore::create_connection(std::string_view conn_id, ConnectionMode mode) {
  return write([&] {
    return detail::insert_with_id(
        conn_id, [&](std::string_view id) { return insert_connection(db_, id, mode); });
  });
}

Result<ConnId> AgentStore::create_rcv_connection(std::string_view conn_id, ConnectionMode mode,
                                                 const RcvQueue& queue) {
  cache_.forget_connections();  // see add_rcv_queue
  return write([&]() -> Result<ConnId> {
    SMP_TRY(ConnId id, detail::insert_with_id(conn_id, [&](std::string_view id) {
              return insert_connection(db_, id, mode);
            }));
    SMP_TRY_VOID(insert_rcv_queue(db_, id, queue));
    return id;
  });
}

Result<ConnId> AgentStore::create_snd_connection(std::string_view conn_id, const SndQueue& queue,
                                                 const Ratchet* ratchet) {
  cache_.forget_connections();  // see add_rcv_queue
  return write([&]() -> Result<ConnId> {
    SMP_TRY(ConnId id, detail::insert_with_id(conn_id, [&](std::string_view id) {
              return insert_connection(db_, id, ConnectionMode::invitation);
            }));
    SMP_TRY_VOID(insert_snd_queue(db_, id, queue));
    if (ratchet != nullptr) SMP_TRY_VOID(set_ratchet(id, *ratchet));
    return id;
  });
}

Result<void> AgentStore::add_rcv_queue(std::string_view conn_id, const RcvQueue& queue) {
  // A new queue also updates its server's key hash, which every queue on that server reads.
  cache_.forget_connections();
  return write([&] {
    return add_rcv_queue_if(db_, conn_id, queue, {ConnType::new_, ConnType::snd});
  });
}

Result<void> AgentStore::add_snd_queue(std::string_view conn_id, const SndQueue& queue) {
  cache_.forget_connections();  // see add_rcv_queue
  return write([&] {
    return add_snd_queue_if(db_, conn_id, queue, {ConnType::new_, ConnType::rcv});
  });
}

Result<void> AgentStore::upgrade_rcv_to_duplex(std::string_view conn_id, const SndQueue& queue) {
  cache_.forget_connections();  // see add_rcv_queue
  return write([&] { return add_snd_queue_if(db_, conn_id, queue, {ConnType::rcv}); });
}

Result<void> AgentStore::upgrade_snd_to_duplex(std::string_view conn_id, const RcvQueue& queue) {
  cache_.forget_connections();  // see add_rcv_queue
  return write([&] { return add_rcv_queue_if(db_, conn_id, queue, {ConnType::snd}); });
}

Result<Connection> AgentStore::cached_connection(std::string_view conn_id) {
  if (auto conn = cache_.connection(conn_id)) return std::move(*conn);
  SMP_TRY(Connection conn, load_connection(db_, conn_id));
  cache_.put_connection(conn_id, conn);
  return conn;
}

Result<Connection> AgentStore::get_connection(std::string_view conn_id) {
  if (auto conn = cache_.connection(conn_id)) return std::move(*conn);
  return read([&] { return cached_connection(conn_id); });
}

Result<Connection> AgentStore::get_rcv_connection(const protocol::SmpServer& server,
                                                  ByteView rcv_id) {
  return read([&]() -> Result<Connection> {
    SMP_TRY(auto st, db_.cached("SELECT conn_id FROM rcv_queues"
                                " WHERE host = ? AND port = ? AND rcv_id = ?"));
    st->bind_all(server.host, server.port, rcv_id);
    SMP_TRY(bool row, st->step());
    if (!row) return db_.fail(errc::not_found, "receive queue not found");
    std::string conn_id = to_string(st->column_view(0));
    return cached_connection(conn_id);
  });
}

Result<std::vector<Connection>> AgentStore::list_connections() {
  return read([&]() -> Result<std::vector<Connection>> {
    struct Slot {
      ConnData data;
      std::optional<RcvQueue> rq;
      std::optional<SndQueue> sq;
    };
    std::map<std::string, Slot, std::less<>> slots;
    {
      SMP_TRY(auto st, db_.cached("SELECT conn_id, conn_mode FROM connections"));
      for (;;) {
        SMP_TRY(bool row, st->step());
        if (!row) break;
        std::string id = to_string(st->column_view(0));
        SMP_TRY(ConnectionMode mode, detail::column_conn_mode(db_, *st, 1));
        slots.emplace(id, Slot{ConnData{id, mode}, std::nullopt, std::nullopt});
      }
    }
    {
      SMP_TRY(auto st, db_.cached(kRcvQueueSelect));
      for (;;) {
        SMP_TRY(bool row, st->step());
        if (!row) break;
        auto it = slots.find(as_chars(st->column_view(kRcvQueueConnIdColumn)));
        if (it == slots.end()) return detail::corrupt(db_, "queue (no connection)");
        SMP_TRY(auto q, read_rcv_queue(db_, *st));
        it->second.rq = std::move(q);
      }
    }
    {
      SMP_TRY(auto st, db_.cached(kSndQueueSelect));
      for (;;) {
        SMP_TRY(bool row, st->step());
        if (!row) break;
        auto it = slots.find(as_chars(st->column_view(kSndQueueConnIdColumn)));
        if (it == slots.end()) return detail::corrupt(db_, "queue (no connection)");
        SMP_TRY(auto q, read_snd_queue(db_, *st));
        it->second.sq = std::move(q);
      }
    }
    std::vector<Connection> out;
    out.reserve(slots.size());
    for (auto& [id, slot] : slots) {
      SMP_TRY(auto conn,
              assemble(db_, std::move(slot.data), std::move(slot.rq), std::move(slot.sq)));
      out.push_back(std::move(conn));
    }
    return out;
  });
}

Result<void> AgentStore::delete_connection(std::string_view conn_id) {
  cache_.forget(conn_id);
  return write([&]() -> Result<void> {
    SMP_TRY(auto st, db_.cached("DELETE FROM connections WHERE conn_id = ?"));
    st->bind_all(id_blob(conn_id));
    SMP_TRY_VOID(st->run());
    return detail::expect_changed(db_, "connection");
  });
}

Result<void> AgentStore::set_rcv_queue_status(const protocol::SmpServer& server, ByteView rcv_id,
                                              QueueStatus status) {
  static const std::string kSql =
      "UPDATE rcv_queues SET status = ? WHERE host = ? AND port = ? AND rcv_id = ?";
  cache_.forget_connections();
  return write([&] {
    return update_queue(db_, kSql, "receive queue", server, rcv_id, queue_status_text(status));
  });
}

Result<void> AgentStore::set_rcv_queue_confirmed_e2e(const protocol::SmpServer& server,
                                                     ByteView rcv_id,
                                                     const SecretBytes& e2e_dh_secret) {
  cache_.forget_connections();
  return write([&]() -> Result<void> {
    SMP_TRY(auto st, db_.cached("UPDATE rcv_queues SET e2e_dh_secret = ?, status = ?"
                                " WHERE host = ? AND port = ? AND rcv_id = ?"));
    st->bind_all(e2e_dh_secret, queue_status_text(QueueStatus::confirmed), server.host, server.port,
                 rcv_id);
    SMP_TRY_VOID(st->run());
    return detail::expect_changed(db_, "receive queue");
  });
}

Result<void> AgentStore::set_snd_queue_status(const protocol::SmpServer& server, ByteView snd_id,
                                              QueueStatus status) {
  static const std::string kSql =
      "UPDATE snd_queues SET status = ? WHERE host = ? AND port = ? AND snd_id = ?";
  cache_.forget_connections();
  return write([&] {
    return update_queue(db_, kSql, "send queue", server, snd_id, queue_status_text(status));
  });
}

}  // namespace smp::agent
