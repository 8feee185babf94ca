#include "smp/agent/agent_store_types.h"

#include "smp/common/overloaded.h"

namespace smp::agent {

std::string_view queue_status_text(QueueStatus status) {
  switch (status) {
    case QueueStatus::new_:
      return "new";
    case QueueStatus::confirmed:
      return "confirmed";
    case QueueStatus::secured:
      return "secured";
    case QueueStatus::active:
      return "active";
    case QueueStatus::disabled:
      return "disabled";
  }
  return "new";
}

std::optional<QueueStatus> parse_queue_status(std::string_view text) {
  for (QueueStatus s : {QueueStatus::new_, QueueStatus::confirmed, QueueStatus::secured,
                        QueueStatus::active, QueueStatus::disabled})
    if (queue_status_text(s) == text) return s;
  return std::nullopt;
}

RcvQueue RcvQueue::clone() const {
  std::optional<SecretBytes> e2e;
  if (e2e_dh_secret) e2e = e2e_dh_secret->clone();
  return RcvQueue{server,
                  rcv_id,
                  rcv_private_key.clone(),
                  rcv_dh_secret.clone(),
                  e2e_priv_key.clone(),
                  std::move(e2e),
                  snd_id,
                  status,
                  client_version};
}

SndQueue SndQueue::clone() const {
  return SndQueue{server,      snd_id, snd_private_key.clone(), e2e_dh_secret.clone(),
                  e2e_pub_key, status, client_version};
}

Connection clone_connection(const Connection& conn) {
  return std::visit(
      Overloaded{
          [](const NewConnection& c) { return Connection(NewConnection{c.data}); },
          [](const RcvConnection& c) {
            return Connection(RcvConnection{c.data, c.rcv_queue.clone()});
          },
          [](const SndConnection& c) {
            return Connection(SndConnection{c.data, c.snd_queue.clone()});
          },
          [](const DuplexConnection& c) {
            return Connection(DuplexConnection{c.data, c.rcv_queue.clone(), c.snd_queue.clone()});
          },
          [](const ContactConnection& c) {
            return Connection(ContactConnection{c.data, c.rcv_queue.clone()});
          },
      },
      conn);
}

ConnType conn_type(const Connection& conn) {
  return std::visit(Overloaded{
                        [](const NewConnection&) { return ConnType::new_; },
                        [](const RcvConnection&) { return ConnType::rcv; },
                        [](const SndConnection&) { return ConnType::snd; },
                        [](const DuplexConnection&) { return ConnType::duplex; },
                        [](const ContactConnection&) { return ConnType::contact; },
                    },
                    conn);
}

const ConnData& conn_data(const Connection& conn) {
  return std::visit([](const auto& c) -> const ConnData& { return c.data; }, conn);
}

const RcvQueue* rcv_queue_of(const Connection& conn) {
  return std::visit(Overloaded{
                        [](const RcvConnection& c) -> const RcvQueue* { return &c.rcv_queue; },
                        [](const DuplexConnection& c) -> const RcvQueue* { return &c.rcv_queue; },
                        [](const ContactConnection& c) -> const RcvQueue* { return &c.rcv_queue; },
                        [](const auto&) -> const RcvQueue* { return nullptr; },
                    },
                    conn);
}

const SndQueue* snd_queue_of(const Connection& conn) {
  return std::visit(Overloaded{
                        [](const SndConnection& c) -> const SndQueue* { return &c.snd_queue; },
                        [](const DuplexConnection& c) -> const SndQueue* { return &c.snd_queue; },
                        [](const auto&) -> const SndQueue* { return nullptr; },
                    },
                    conn);
}

char agent_msg_type_char(AgentMsgType type) {
  switch (type) {
    case AgentMsgType::hello:
      return 'H';
    case AgentMsgType::reply:
      return 'R';
    case AgentMsgType::a_msg:
      return 'M';
  }
  return 'M';
}

std::optional<AgentMsgType> parse_agent_msg_type(char c) {
  switch (c) {
    case 'H':
      return AgentMsgType::hello;
    case 'R':
      return AgentMsgType::reply;
    case 'M':
      return AgentMsgType::a_msg;
    default:
      return std::nullopt;
  }
}

AgentMsgType agent_msg_type_of(const AMessage& message) {
  return std::visit(Overloaded{
                        [](const HelloMessage&) { return AgentMsgType::hello; },
                        [](const ReplyMessage&) { return AgentMsgType::reply; },
                        [](const UserMessage&) { return AgentMsgType::a_msg; },
                    },
                    message);
}

MsgIntegrity check_msg_integrity(std::int64_t last_external_snd_msg_id, ByteView last_rcv_msg_hash,
                                 std::int64_t snd_msg_id, ByteView prev_msg_hash) {
  // Both ids come from the peer, so compare without overflowing: when id > P, the unsigned
  // difference is exact.
  const std::int64_t p = last_external_snd_msg_id;
  const bool same_hash = constant_time_equal(last_rcv_msg_hash, prev_msg_hash);
  const std::uint64_t ahead =
      snd_msg_id > p ? static_cast<std::uint64_t>(snd_msg_id) - static_cast<std::uint64_t>(p) : 0;
  if (ahead == 1 && same_hash) return MsgOk{};
  if (snd_msg_id < p) return MsgBadId{snd_msg_id};
  if (snd_msg_id == p) return MsgDuplicate{};
  if (ahead > 1) return MsgSkipped{p + 1, snd_msg_id - 1};
  return MsgBadHash{};
}

}  // namespace smp::agent
