// smp sender-key / send: the sender's side of someone's queue, addressed by its queue URI
// (or, for trying things out, by the name of one of our own queues).
#include <iostream>
#include <iterator>

#include <boost/json/object.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "session.h"
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

int run_send(const Options& o, const std::string& queue, const std::string& message_arg) {
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

  auto c = connect(o, target->server);
  if (!c) return 1;
  auto sent = c->send_message(signing_key, target->sender_id, as_bytes(message));
  if (!sent) {
    if (sent.error() == errc::smp_auth && signing_key == nullptr) {
      return o.out.fail("AUTH",
                        "server refused with AUTH: the queue does not exist, or it is secured "
                        "and needs this sender's signature (see `smp sender-key`)");
    }
    return o.out.fail(sent.error(), Stage::command, endpoint_text(target->server));
  }
  o.out.emit(
      json::object{{"ok", true}, {"signed", signing_key != nullptr}, {"bytes", message.size()}},
      fmt::format("Sent {} bytes ({}).", message.size(),
                  signing_key != nullptr ? "signed" : "unsigned"));
  return 0;
}

}  // namespace smp::cli
