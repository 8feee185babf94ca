// smp sender-key / send: the sender's side of someone's queue, addressed by its queue URI
// (or, for trying things out, by the name of one of our own queues). `send --proxy` goes
// through another server (private message routing), so the queue's server never sees ours.
#include <iostream>
#include <iterator>

#include <boost/json/object.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "session.h"
#include "smp/client/proxied_relay.h"
#include "smp/crypto/key_string.h"
#include "smp/protocol/queue_uri.h"

namespace smp::cli {

namespace json = boost::json;

namespace {

struct SendTarget {
  protocol::SmpServer server;
  Bytes sender_id;
  std::string uri;
};

std::optional<SendTarget> resolve_target(const Options& o, KeyFile& file,
                                         const std::string& queue) {
  if (queue.find("://") == std::string::npos) {
    const RecipientQueue* own = file.find_queue(queue);
    if (own == nullptr) {
      o.out.fail("not_found", fmt::format("\"{}\" is neither a queue URI nor a queue in {}", queue,
                                          o.key_file.string()));
      return std::nullopt;
    }
    return SendTarget{own->server, own->sender_id, queue_uri_of(*own)};
  }
  auto uri = protocol::decode_queue_uri(queue);
  if (!uri) {
    o.out.fail(uri.error(), Stage::local, {});
    return std::nullopt;
  }
  return SendTarget{uri->server, uri->sender_id, queue};
}

}  // namespace

int run_sender_key(const Options& o, const std::string& queue, crypto::KeyAlgorithm alg) {
  auto file = open_key_file(o);
  if (!file) return 1;
  auto target = resolve_target(o, *file, queue);
  if (!target) return 1;
  SenderKey* existing = file->find_sender(target->sender_id);
  bool made = existing == nullptr;
  if (made) {
    auto pair = crypto::generate_key_pair(alg);
    file->put_sender(target->sender_id, SenderKey{target->uri, std::move(pair.private_key)});
    if (!save_key_file(o, *file)) return 1;
    existing = file->find_sender(target->sender_id);
  }
  std::string key_text = crypto::str_encode(existing->sender_key.public_key());
  o.out.emit(json::object{{"ok", true}, {"sender_key", key_text}, {"new", made}},
             fmt::format("{} sender key for this queue. Ask the recipient to run:\n"
                         "  smp secure --queue <name> --sender-key {}",
                         made ? "Made a" : "Already have a", key_text));
  return 0;
}

namespace {

// An unsigned SEND refused with AUTH, directly or through a proxy.
int fail_unsigned_auth(const Options& o) {
  return o.out.fail("AUTH",
                    "server refused with AUTH: the queue does not exist, or it is secured "
                    "and needs this sender's signature (see `smp sender-key`)");
}

// What a proxy's refusal says to the user: which hop failed, and the proxy's reason.
int fail_via_proxy(const Options& o, error_code ec, const protocol::SmpError& server_error,
                   const std::string& proxy, const std::string& destination) {
  if (ec != errc::smp_proxy) return o.out.fail(ec, Stage::command, proxy);
  const std::string reason = client::describe_server_error(server_error);
  std::string hint;
  if (server_error.proxy_error) {
    using Kind = protocol::ProxyErrorInfo::Kind;
    switch (server_error.proxy_error->kind) {
      case Kind::broker:
        hint = fmt::format("the proxy {} could not reach {} (is it running, and is the key "
                           "hash in the queue URI right?)",
                           proxy, destination);
        break;
      case Kind::basic_auth:
        hint = fmt::format("the proxy {} does not forward for us (no proxy role, or it needs a "
                           "password: smp://<fingerprint>:<password>@host)",
                           proxy);
        break;
      case Kind::no_session:
        hint = fmt::format("the proxy {} dropped its session with {}; try again", proxy,
                           destination);
        break;
      case Kind::protocol:
        hint = fmt::format("{} refused what the proxy {} forwarded", destination, proxy);
        break;
    }
  }
  return o.out.fail(reason, hint.empty() ? reason : hint + ": " + reason);
}

// SEND through `proxy_text` (private message routing): the destination sees the proxy's
// address, not ours.
int send_via_proxy(const Options& o, const std::string& proxy_text, const SendTarget& target,
                   const crypto::PrivateKey* signing_key, ByteView body) {
  if (o.generation == client::GenerationChoice::v1) {
    return o.out.fail("unsupported", "--proxy needs the current generation (SMP 8 or later); "
                                     "drop --smp v1");
  }
  auto proxy = parse_server(o, proxy_text);
  if (!proxy) return 1;
  Options current = o;
  current.generation = client::GenerationChoice::current;
  auto c = connect(current, *proxy);
  if (!c) return 1;
  const std::string proxy_at = endpoint_text(*proxy);
  const std::string destination_at = endpoint_text(target.server);
  protocol::SmpError server_error;
  auto relay = c->create_proxied_relay(target.server, &server_error);
  if (!relay) {
    if (relay.error() == errc::handshake_identity) {
      return o.out.fail("handshake_identity",
                        fmt::format("the proxy {} answered with a key that is not {}'s (its "
                                    "certificate does not match the queue URI)",
                                    proxy_at, destination_at));
    }
    return fail_via_proxy(o, relay.error(), server_error, proxy_at, destination_at);
  }
  auto sent = c->send_message_via_proxy(*relay, signing_key, target.sender_id, body, false,
                                        &server_error);
  if (!sent) {
    if (sent.error() == errc::smp_auth && signing_key == nullptr) return fail_unsigned_auth(o);
    if (sent.error() == errc::smp_proxy) {
      return fail_via_proxy(o, sent.error(), server_error, proxy_at, destination_at);
    }
    return o.out.fail(sent.error(), Stage::command, destination_at);
  }
  o.out.emit(json::object{{"ok", true},
                          {"signed", signing_key != nullptr},
                          {"bytes", body.size()},
                          {"proxy", proxy_at}},
             fmt::format("Sent {} bytes ({}) through {}.", body.size(),
                         signing_key != nullptr ? "signed" : "unsigned", proxy_at));
  return 0;
}

}  // namespace

int run_send(const Options& o, const std::string& queue, const std::string& message_arg,
             const std::string& proxy) {
  std::string message = message_arg;
  if (message == "-") {
    message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  auto file = open_key_file(o);
  if (!file) return 1;
  auto target = resolve_target(o, *file, queue);
  if (!target) return 1;
  const SenderKey* key = file->find_sender(target->sender_id);
  const crypto::PrivateKey* signing_key = key != nullptr ? &key->sender_key : nullptr;
  if (!proxy.empty()) return send_via_proxy(o, proxy, *target, signing_key, as_bytes(message));

  auto c = connect(o, target->server);
  if (!c) return 1;
  auto sent = c->send_message(signing_key, target->sender_id, as_bytes(message));
  if (!sent) {
    if (sent.error() == errc::smp_auth && signing_key == nullptr) return fail_unsigned_auth(o);
    return o.out.fail(sent.error(), Stage::command, endpoint_text(target->server));
  }
  o.out.emit(
      json::object{{"ok", true}, {"signed", signing_key != nullptr}, {"bytes", message.size()}},
      fmt::format("Sent {} bytes ({}).", message.size(),
                  signing_key != nullptr ? "signed" : "unsigned"));
  return 0;
}

}  // namespace smp::cli
