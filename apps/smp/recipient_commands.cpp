// smp create / secure / receive / delete / list: the recipient's side of a queue.
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "session.h"
#include "smp/client/message_crypto.h"
#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/protocol/queue_uri.h"
#include "smp/protocol/versions.h"

namespace smp::cli {

namespace json = boost::json;

namespace {

RecipientQueue* find_queue_or_fail(const Options& o, KeyFile& file, const std::string& name) {
  RecipientQueue* q = file.find_queue(name);
  if (q == nullptr) {
    o.out.fail("not_found", fmt::format("no queue named \"{}\" in {} (see `smp list`)", name,
                                        o.key_file.string()));
  }
  return q;
}

std::string body_text(const Bytes& body) { return std::string(as_chars(body)); }

}  // namespace

int run_create(const Options& o, const std::string& server_text, std::string name,
               crypto::KeyAlgorithm alg) {
  auto server = parse_server(o, server_text);
  if (!server) return 1;
  auto file = open_key_file(o);
  if (!file) return 1;
  if (name.empty()) name = file->unused_queue_name();
  if (file->find_queue(name) != nullptr) {
    return o.out.fail("already_exists", fmt::format("a queue named \"{}\" is already in {}", name,
                                                    o.key_file.string()));
  }
  auto c = connect(o, *server);
  if (!c) return 1;
  // Over 6..18 the queue is a messaging queue (from SMP 9 on: its sender may then secure
  // it itself), as the reference agent makes them.
  const protocol::SmpVersion version = c->async_client().smp_version();
  client::QueueOptions options;
  if (version >= protocol::kSndAuthKeyVersion) options.mode = protocol::QueueMode::messaging;
  auto made = c->create_queue(alg, options);
  if (!made) return o.out.fail(made.error(), Stage::command, endpoint_text(*server));

  RecipientQueue q{*server,
                   made->ids.recipient_id,
                   made->ids.sender_id,
                   std::move(made->recipient_key),
                   std::move(made->dh_key),
                   made->ids.server_dh_key,
                   std::nullopt,
                   version,
                   made->ids.queue_mode};
  std::string uri = queue_uri_of(q);
  std::string rid = enc::b64url_encode(q.recipient_id);
  std::string sid = enc::b64url_encode(q.sender_id);
  file->queues().emplace(name, std::move(q));
  if (!save_key_file(o, *file)) {
    // Without its keys the queue is useless: take it off the server again.
    const RecipientQueue* saved = file->find_queue(name);
    (void)c->delete_queue(saved->recipient_key, saved->recipient_id);
    return 1;
  }
  json::object out{{"ok", true},          {"name", name},     {"server", server_text},
                   {"recipient_id", rid}, {"sender_id", sid}, {"queue_uri", uri},
                   {"smp_version", version}};
  o.out.emit(out, fmt::format("Created queue \"{}\" on {} (SMP version {})\n"
                              "  recipient id: {}\n"
                              "  sender id:    {}\n"
                              "Give this queue URI to the sender:\n"
                              "  {}",
                              name, endpoint_text(*server), version, rid, sid, uri));
  return 0;
}

int run_secure(const Options& o, const std::string& name, const std::string& sender_key_text) {
  auto sender_key = crypto::decode_public_key_str(sender_key_text, crypto::kSignatureAlgorithms);
  if (!sender_key) {
    return o.out.fail("bad_key",
                      "not a sender key: expected the base64url Ed25519/Ed448 public key that "
                      "`smp sender-key` printed");
  }
  auto file = open_key_file(o);
  if (!file) return 1;
  RecipientQueue* q = find_queue_or_fail(o, *file, name);
  if (q == nullptr) return 1;
  auto c = connect(o, q->server);
  if (!c) return 1;
  auto secured = c->secure_queue(q->recipient_key, q->recipient_id, *sender_key);
  if (!secured) return o.out.fail(secured.error(), Stage::command, endpoint_text(q->server));
  q->sender_key = *sender_key;
  if (!save_key_file(o, *file)) return 1;
  o.out.emit(json::object{{"ok", true}, {"name", name}, {"secured", true}},
             fmt::format("Queue \"{}\" secured: only messages signed with that sender key are "
                         "accepted now.",
                         name));
  return 0;
}

int run_receive(const Options& o, const std::string& name, int count,
                std::chrono::milliseconds timeout) {
  auto file = open_key_file(o);
  if (!file) return 1;
  RecipientQueue* q = find_queue_or_fail(o, *file, name);
  if (q == nullptr) return 1;
  auto dh_secret = client::queue_dh_secret(q->server_dh_key, q->dh_key);
  if (!dh_secret) return o.out.fail(dh_secret.error(), Stage::local, {});
  auto c = connect(o, q->server);
  if (!c) return 1;
  std::string endpoint = endpoint_text(q->server);
  auto subscribed = c->subscribe(q->recipient_key, q->recipient_id);
  if (!subscribed) return o.out.fail(subscribed.error(), Stage::command, endpoint);

  int received = 0;
  while (count <= 0 || received < count) {
    auto event = c->next_event(timeout);
    if (!event) {
      if (event.error() == errc::timeout) break;  // no more messages for now
      return o.out.fail(event.error(), Stage::command, endpoint);
    }
    if (event->queue_id != q->recipient_id) continue;
    if (event->kind == client::EventKind::end) {
      return o.out.fail("END", "another connection subscribed to this queue; stopped");
    }
    if (event->kind != client::EventKind::message) continue;
    auto content = client::open_message(dh_secret->view(), event->message);
    if (!content) return o.out.fail(content.error(), Stage::local, {});
    std::string text = body_text(content->body);
    json::object out{{"name", name},
                     {"msg_id", enc::b64url_encode(event->message.msg_id)},
                     {"timestamp", content->timestamp}};
    if (is_utf8(text)) {
      out["body"] = text;
    } else {
      out["body_base64url"] = enc::b64url_encode(content->body);
    }
    o.out.emit(out, text);
    ++received;
    // Acknowledged only once shown; the next message may come as the answer.
    auto acked = c->ack(q->recipient_key, q->recipient_id, event->message.msg_id);
    if (!acked) return o.out.fail(acked.error(), Stage::command, endpoint);
  }
  if (!o.out.json()) {
    std::fprintf(stderr, "%d message%s received\n", received, received == 1 ? "" : "s");
  }
  return 0;
}

int run_delete(const Options& o, const std::string& name) {
  auto file = open_key_file(o);
  if (!file) return 1;
  RecipientQueue* q = find_queue_or_fail(o, *file, name);
  if (q == nullptr) return 1;
  auto c = connect(o, q->server);
  if (!c) return 1;
  auto deleted = c->delete_queue(q->recipient_key, q->recipient_id);
  if (!deleted) return o.out.fail(deleted.error(), Stage::command, endpoint_text(q->server));
  file->queues().erase(name);
  if (!save_key_file(o, *file)) return 1;
  o.out.emit(json::object{{"ok", true}, {"name", name}, {"deleted", true}},
             fmt::format("Deleted queue \"{}\".", name));
  return 0;
}

int run_list(const Options& o) {
  auto file = open_key_file(o);
  if (!file) return 1;
  json::array queues;
  std::string text;
  for (const auto& [name, q] : file->queues()) {
    std::string server = protocol::str_encode(q.server);
    queues.push_back(json::object{{"name", name},
                                  {"server", server},
                                  {"secured", q.sender_key.has_value()},
                                  {"queue_uri", queue_uri_of(q)}});
    text += fmt::format("{}\t{}\t{}\n", name, q.sender_key ? "secured" : "not secured",
                        queue_uri_of(q));
  }
  if (text.empty()) text = fmt::format("no queues in {}\n", o.key_file.string());
  text.pop_back();
  o.out.emit(json::object{{"queues", std::move(queues)}}, text);
  return 0;
}

}  // namespace smp::cli
