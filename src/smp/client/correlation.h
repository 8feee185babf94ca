// Matching server answers to requests (spec §4.8, the reference's `process` in Client.hs).
// Correlation ids are the decimal ASCII of a per-connection counter starting at "0"; an
// answer with a known corrId resolves that request, anything else (empty corrId, unknown or
// timed-out corrId) is a server event when it is MSG, END or NMSG and is dropped otherwise.
//
// RequestTable and PendingRequest are strand-bound: only the owning connection's executor
// touches them. The free functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "smp/client/client_types.h"
#include "smp/common/error.h"
#include "smp/protocol/transmission.h"

namespace smp::client {

namespace net = boost::asio;
using Duration = std::chrono::steady_clock::duration;

// One request waiting for its answer. Shared by the table (until answered, failed or timed
// out) and the coroutine that awaits it.
class PendingRequest {
 public:
  // forward_message: the request is SUB or ACK, whose MSG answer is also a server event.
  PendingRequest(net::any_io_executor ex, Bytes queue_id, bool forward_message);

  ByteView queue_id() const { return queue_id_; }
  bool forwards_message() const { return forward_message_; }
  bool done() const { return result_.has_value(); }

  // The first completion wins (later ones are ignored); wakes the waiter.
  void complete(Result<Reply> result);
  // The ERR the server answered with, in full (a proxy's reason, a BLOCKED notice): the
  // result then carries only its code. Set by route before complete().
  void set_server_error(protocol::SmpError e) { server_error_ = std::move(e); }
  const std::optional<protocol::SmpError>& server_error() const { return server_error_; }
  // The result once complete() has run, or errc::timeout when `timeout` passes first.
  // REQUIRES: at most one waiter.
  net::awaitable<Result<Reply>> wait(Duration timeout);

 private:
  net::steady_timer timer_;
  const Bytes queue_id_;
  const bool forward_message_;
  std::optional<Result<Reply>> result_;
  std::optional<protocol::SmpError> server_error_;
};

class RequestTable {
 public:
  // "0", "1", "2", ...
  std::string next_corr_id();

  // REQUIRES: corr_id not in the table (next_corr_id never repeats).
  void add(std::string corr_id, std::shared_ptr<PendingRequest> request);
  // Removes and returns the request, or nullptr when the id is unknown (never issued,
  // answered already, or timed out and erased).
  std::shared_ptr<PendingRequest> take(std::string_view corr_id);
  void erase(std::string_view corr_id);
  // Completes every request with `error` and empties the table.
  void fail_all(errc error);
  std::size_t size() const { return pending_.size(); }

 private:
  std::uint64_t next_id_ = 0;
  std::map<std::string, std::shared_ptr<PendingRequest>, std::less<>> pending_;
};

// The outcome of an answer to a request whose queue id was `request_queue_id`:
//   unparsable transmission (client pipeline error)      → errc::response_parse
//   ERR e with the request's queue id, or with none       → e (errc::smp_auth, ...)
//     (the server sends BLOCK/SESSION/CMD errors without one, spec §4.1; the reference
//     client calls those SMPUnexpectedResponse, we keep the server's reason)
//   any other answer with a different queue id            → errc::unexpected_response
//   otherwise                                             → the owned Reply
Result<Reply> interpret_response(ByteView request_queue_id,
                                 const protocol::ReceivedBrokerMessage& rx,
                                 bool current = false);

// MSG, END or NMSG as an owned event; nullopt for anything else (including parse failures).
std::optional<ServerEvent> to_server_event(const protocol::ReceivedBrokerMessage& rx,
                                           bool current = false);

// Owned copy of a broker message. REQUIRES: m is not ERR (that is an error value instead).
Reply to_reply(const protocol::BrokerMessage& m, bool current = false);

// What the connection does with one received transmission.
struct Routed {
  std::shared_ptr<PendingRequest> request;  // non-null: complete it with `reply`
  Result<Reply> reply = make_error_code(errc::unexpected_response);
  std::optional<ServerEvent> event;  // deliver to the event sink
};

// Applies the rules above: takes the request out of the table when the corrId matches and
// keeps an ERR answer's full error on it (PendingRequest::server_error);
// a MSG answering SUB/ACK becomes an event and the request's reply is then reply::Ok (as
// the reference forwards it to the message queue and returns ()).
// `current`: the connection is of the current generation (SMP 6..18).
Routed route(RequestTable& table, const protocol::ReceivedBrokerMessage& rx,
             bool current = false);

}  // namespace smp::client
