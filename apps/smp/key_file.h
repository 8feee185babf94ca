// The smp tool's key file (default ./smp-queues.json): the queues this user receives from
// (with the recipient's private keys) and the sender keys it made for other people's queues.
// JSON (Boost.JSON), written atomically with mode 0600. Keys are base64url DER (PKCS#8 for
// private keys, SubjectPublicKeyInfo for public ones), ids base64url.
//
// Layout:
//   { "version": 1,
//     "queues":  { "<name>": { "server", "recipient_id", "sender_id", "recipient_key",
//                              "dh_key", "server_dh_key", ["sender_key"],
//                              ["smp_version"], ["queue_mode": "m" | "c"] } },
//     "senders": { "<sender_id>": { "queue_uri", "sender_key" } } }
// Not thread-safe; one process at a time (the last writer wins).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/protocol/command.h"
#include "smp/protocol/server_address.h"

namespace smp::cli {

// A queue this user created, as its recipient.
struct RecipientQueue {
  protocol::SmpServer server;
  Bytes recipient_id;
  Bytes sender_id;
  crypto::PrivateKey recipient_key;
  crypto::PrivateKey dh_key;
  crypto::PublicKey server_dh_key;
  std::optional<crypto::PublicKey> sender_key;  // set once secured with `smp secure`
  // The SMP version the queue was created with (1 when absent: files from before) and the
  // mode NEW gave it (SMP 9+); they choose the form of its queue URI.
  std::uint16_t smp_version = 1;
  std::optional<protocol::QueueMode> queue_mode{};
};

// A key this user made to send to someone else's queue.
struct SenderKey {
  std::string queue_uri;
  crypto::PrivateKey sender_key;
};

class KeyFile {
 public:
  // Reads `path`; a missing file is an empty key file. errc::store_corrupt for a file that
  // is not a key file (bad JSON, a missing field, a key that does not decode);
  // errc::io_error if unreadable.
  static Result<KeyFile> load(const std::filesystem::path& path);

  // Replaces the file atomically (mode 0600). errc::io_error on failure.
  Result<void> save() const;

  const std::filesystem::path& path() const { return path_; }

  std::map<std::string, RecipientQueue>& queues() { return queues_; }
  RecipientQueue* find_queue(const std::string& name);
  // "q1", "q2", ...: the first name not taken.
  std::string unused_queue_name() const;

  // Keyed by the queue's sender id.
  SenderKey* find_sender(ByteView sender_id);
  void put_sender(ByteView sender_id, SenderKey key);

 private:
  explicit KeyFile(std::filesystem::path path) : path_(std::move(path)) {}

  std::filesystem::path path_;
  std::map<std::string, RecipientQueue> queues_;
  std::map<std::string, SenderKey> senders_;  // by base64url sender id
};

}  // namespace smp::cli
