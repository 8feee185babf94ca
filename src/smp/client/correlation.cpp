#include "smp/client/correlation.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace smp::client {

namespace {

bool same_bytes(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

ReceivedMessage owned_message(const protocol::msg::Msg& m, bool current) {
  return ReceivedMessage{to_bytes(m.msg_id), m.timestamp, to_bytes(m.body), current};
}

}  // namespace

PendingRequest::PendingRequest(net::any_io_executor ex, Bytes queue_id, bool forward_message)
    : timer_(std::move(ex)), queue_id_(std::move(queue_id)), forward_message_(forward_message) {}

void PendingRequest::complete(Result<Reply> result) {
  if (result_) return;
  result_.emplace(std::move(result));
  timer_.cancel();
}

net::awaitable<Result<Reply>> PendingRequest::wait(Duration timeout) {
  if (!result_) {
    timer_.expires_after(timeout);
    co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  }
  if (!result_) result_.emplace(make_error_code(errc::timeout));
  co_return std::move(*result_);
}

std::string RequestTable::next_corr_id() { return std::to_string(next_id_++); }

void RequestTable::add(std::string corr_id, std::shared_ptr<PendingRequest> request) {
  pending_.emplace(std::move(corr_id), std::move(request));
}

std::shared_ptr<PendingRequest> RequestTable::take(std::string_view corr_id) {
  auto it = pending_.find(corr_id);
  if (it == pending_.end()) return nullptr;
  auto request = std::move(it->second);
  pending_.erase(it);
  return request;
}

void RequestTable::erase(std::string_view corr_id) {
  if (auto it = pending_.find(corr_id); it != pending_.end()) pending_.erase(it);
}

void RequestTable::fail_all(errc error) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, request] : pending) request->complete(make_error_code(error));
}

Reply to_reply(const protocol::BrokerMessage& m, bool current) {
  namespace msg = protocol::msg;
  return std::visit(
      [current](const auto& v) -> Reply {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, msg::Ids>) {
          QueueIds ids{to_bytes(v.rcv_id),
                       to_bytes(v.snd_id),
                       v.srv_dh_key,
                       v.queue_mode,
                       v.link_id ? to_bytes(*v.link_id) : Bytes{},
                       std::nullopt};
          if (v.ntf_creds) {
            ids.notifier = NotifierCreds{
                NotifierIds{to_bytes(v.ntf_creds->notifier_id), v.ntf_creds->srv_ntf_dh_key}, {}};
          }
          return ids;
        } else if constexpr (std::is_same_v<T, msg::Msg>) {
          return owned_message(v, current);
        } else if constexpr (std::is_same_v<T, msg::Nid>) {
          return NotifierIds{to_bytes(v.notifier_id), v.srv_ntf_dh_key};
        } else if constexpr (std::is_same_v<T, msg::Lnk>) {
          return QueueLink{to_bytes(v.sender_id), to_bytes(v.data.fixed_data),
                           to_bytes(v.data.user_data)};
        } else if constexpr (std::is_same_v<T, msg::Info>) {
          return reply::Info{std::string(as_chars(v.json))};
        } else if constexpr (std::is_same_v<T, msg::NMsg>) {
          return reply::NMsg{};
        } else if constexpr (std::is_same_v<T, msg::End> || std::is_same_v<T, msg::Deld>) {
          return reply::End{};
        } else if constexpr (std::is_same_v<T, msg::Pong>) {
          return reply::Pong{};
        } else if constexpr (std::is_same_v<T, msg::PKey>) {
          return reply::ProxyKey{to_bytes(v.session_id), v.versions, to_bytes(v.cert_chain_pub_key)};
        } else if constexpr (std::is_same_v<T, msg::PRes>) {
          return reply::ProxyResponse{to_bytes(v.encrypted)};
        } else {
          // msg::Ok, msg::Sok; msg::Err is excluded by the caller; the proxy-to-destination
          // and service answers (never asked for by this client) read as OK too.
          return reply::Ok{};
        }
      },
      m);
}

Result<Reply> interpret_response(ByteView request_queue_id,
                                 const protocol::ReceivedBrokerMessage& rx, bool current) {
  if (!rx.message) {
    spdlog::debug("smp client: unparsable response ({})", errc_name(rx.error()));
    return make_error_code(errc::response_parse);
  }
  const auto* err = std::get_if<protocol::msg::Err>(&*rx.message);
  if (err != nullptr && (rx.queue_id.empty() || same_bytes(rx.queue_id, request_queue_id))) {
    return make_error_code(err->error.code);
  }
  if (!same_bytes(rx.queue_id, request_queue_id)) {
    return make_error_code(errc::unexpected_response);
  }
  return to_reply(*rx.message, current);
}

std::optional<ServerEvent> to_server_event(const protocol::ReceivedBrokerMessage& rx,
                                           bool current) {
  if (!rx.message) return std::nullopt;
  const auto& m = *rx.message;
  if (const auto* msg = std::get_if<protocol::msg::Msg>(&m)) {
    return ServerEvent{EventKind::message, to_bytes(rx.queue_id), owned_message(*msg, current)};
  }
  // DELD (the queue was deleted) ends the subscription as END does.
  if (std::holds_alternative<protocol::msg::End>(m) || std::holds_alternative<protocol::msg::Deld>(m)) {
    return ServerEvent{EventKind::end, to_bytes(rx.queue_id), {}};
  }
  if (const auto* nmsg = std::get_if<protocol::msg::NMsg>(&m)) {
    return ServerEvent{EventKind::notification,
                       to_bytes(rx.queue_id),
                       {},
                       ReceivedNotification{to_bytes(nmsg->nonce), to_bytes(nmsg->enc_meta)}};
  }
  return std::nullopt;
}

Routed route(RequestTable& table, const protocol::ReceivedBrokerMessage& rx, bool current) {
  Routed out;
  if (!rx.corr_id.empty()) out.request = table.take(as_chars(rx.corr_id));
  if (!out.request) {
    out.event = to_server_event(rx, current);
    if (!out.event) {
      spdlog::debug("smp client: dropped {} with no request waiting for it",
                    rx.message ? protocol::tag_of(*rx.message) : std::string_view("error"));
    }
    return out;
  }
  out.reply = interpret_response(out.request->queue_id(), rx, current);
  if (!out.reply && rx.message) {
    const auto* err = std::get_if<protocol::msg::Err>(&*rx.message);
    if (err != nullptr && out.reply.error() == make_error_code(err->error.code)) {
      out.request->set_server_error(err->error);
    }
  }
  if (out.request->forwards_message() && out.reply &&
      std::holds_alternative<ReceivedMessage>(*out.reply)) {
    out.event = ServerEvent{EventKind::message, to_bytes(out.request->queue_id()),
                            std::move(std::get<ReceivedMessage>(*out.reply))};
    out.reply = Reply{reply::Ok{}};
  }
  return out;
}

}  // namespace smp::client
