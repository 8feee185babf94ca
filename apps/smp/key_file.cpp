#include "key_file.h"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/common/file_io.h"

namespace smp::cli {

namespace json = boost::json;

namespace {

constexpr std::int64_t kVersion = 1;

std::string b64(ByteView b) { return enc::b64url_encode(b); }

std::string private_key_text(const crypto::PrivateKey& key) {
  SecretBytes der = crypto::encode_private_key_der(key);
  return enc::b64url_encode(der.view());
}

// Field readers: nullopt when the field is missing or does not decode.
std::optional<std::string> text_field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<Bytes> bytes_field(const json::object& o, std::string_view name) {
  auto text = text_field(o, name);
  if (!text) return std::nullopt;
  auto bytes = enc::b64url_decode(*text);
  if (!bytes) return std::nullopt;
  return std::move(*bytes);
}

std::optional<crypto::PrivateKey> private_key_field(const json::object& o, std::string_view name,
                                                    crypto::AlgorithmSet allowed) {
  auto der = bytes_field(o, name);
  if (!der) return std::nullopt;
  auto key = crypto::decode_private_key_der(*der, allowed);
  secure_wipe(der->data(), der->size());
  if (!key) return std::nullopt;
  return std::move(*key);
}

std::optional<crypto::PublicKey> public_key_field(const json::object& o, std::string_view name,
                                                  crypto::AlgorithmSet allowed) {
  auto text = text_field(o, name);
  if (!text) return std::nullopt;
  auto key = crypto::decode_public_key_str(*text, allowed);
  if (!key) return std::nullopt;
  return *key;
}

std::optional<RecipientQueue> read_queue(const json::object& o) {
  auto server_text = text_field(o, "server");
  if (!server_text) return std::nullopt;
  auto server = protocol::decode_smp_server(*server_text);
  auto rid = bytes_field(o, "recipient_id");
  auto sid = bytes_field(o, "sender_id");
  auto rk = private_key_field(o, "recipient_key", crypto::kSignatureAlgorithms);
  auto dh = private_key_field(o, "dh_key", crypto::kDhX25519);
  auto srv_dh = public_key_field(o, "server_dh_key", crypto::kDhX25519);
  if (!server || !rid || !sid || !rk || !dh || !srv_dh) return std::nullopt;
  std::optional<crypto::PublicKey> sender_key;
  if (o.contains("sender_key")) {
    sender_key = public_key_field(o, "sender_key", crypto::kSignatureAlgorithms);
    if (!sender_key) return std::nullopt;
  }
  RecipientQueue q{std::move(*server), std::move(*rid), std::move(*sid), std::move(*rk),
                   std::move(*dh),     *srv_dh,         sender_key};
  if (const auto* v = o.if_contains("smp_version")) {
    if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > 0xffff) return std::nullopt;
    q.smp_version = static_cast<std::uint16_t>(v->as_int64());
  }
  if (o.contains("queue_mode")) {
    auto mode = text_field(o, "queue_mode");
    if (mode == "m") {
      q.queue_mode = protocol::QueueMode::messaging;
    } else if (mode == "c") {
      q.queue_mode = protocol::QueueMode::contact;
    } else {
      return std::nullopt;
    }
  }
  return q;
}

json::object write_queue(const RecipientQueue& q) {
  json::object o;
  o["server"] = protocol::str_encode(q.server);
  o["recipient_id"] = b64(q.recipient_id);
  o["sender_id"] = b64(q.sender_id);
  o["recipient_key"] = private_key_text(q.recipient_key);
  o["dh_key"] = private_key_text(q.dh_key);
  o["server_dh_key"] = crypto::str_encode(q.server_dh_key);
  if (q.sender_key) o["sender_key"] = crypto::str_encode(*q.sender_key);
  if (q.smp_version != 1) o["smp_version"] = q.smp_version;
  if (q.queue_mode) o["queue_mode"] = q.queue_mode == protocol::QueueMode::messaging ? "m" : "c";
  return o;
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error_code(errc::io_error);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error_code(errc::io_error);
  return ss.str();
}

}  // namespace

Result<KeyFile> KeyFile::load(const std::filesystem::path& path) {
  KeyFile file(path);
  std::error_code exists_ec;
  if (!std::filesystem::exists(path, exists_ec)) {
    if (exists_ec) return make_error_code(errc::io_error);
    return file;
  }
  auto text = read_whole_file(path);
  if (!text) return text.error();
  json::error_code parse_ec;
  json::value root = json::parse(*text, parse_ec);
  const json::object* top = root.if_object();
  if (parse_ec || top == nullptr) return make_error_code(errc::store_corrupt);
  const auto* version = top->if_contains("version");
  if (version == nullptr || !version->is_int64() || version->as_int64() != kVersion) {
    return make_error_code(errc::store_corrupt);
  }
  if (const auto* queues = top->if_contains("queues")) {
    if (!queues->is_object()) return make_error_code(errc::store_corrupt);
    for (const auto& [name, value] : queues->as_object()) {
      if (!value.is_object()) return make_error_code(errc::store_corrupt);
      auto q = read_queue(value.as_object());
      if (!q) return make_error_code(errc::store_corrupt);
      file.queues_.emplace(std::string(name), std::move(*q));
    }
  }
  if (const auto* senders = top->if_contains("senders")) {
    if (!senders->is_object()) return make_error_code(errc::store_corrupt);
    for (const auto& [sid_text, value] : senders->as_object()) {
      if (!enc::b64url_decode(sid_text) || !value.is_object()) {
        return make_error_code(errc::store_corrupt);
      }
      auto uri = text_field(value.as_object(), "queue_uri");
      auto key = private_key_field(value.as_object(), "sender_key", crypto::kSignatureAlgorithms);
      if (!uri || !key) return make_error_code(errc::store_corrupt);
      file.senders_.emplace(std::string(sid_text), SenderKey{std::move(*uri), std::move(*key)});
    }
  }
  return file;
}

Result<void> KeyFile::save() const {
  json::object queues;
  for (const auto& [name, q] : queues_) queues[name] = write_queue(q);
  json::object senders;
  for (const auto& [sid, s] : senders_) {
    json::object o;
    o["queue_uri"] = s.queue_uri;
    o["sender_key"] = private_key_text(s.sender_key);
    senders[sid] = std::move(o);
  }
  json::object root;
  root["version"] = kVersion;
  root["queues"] = std::move(queues);
  root["senders"] = std::move(senders);
  std::string text = json::serialize(root);
  text.push_back('\n');

  auto file = file_io::AtomicFile::create(path_);
  if (!file) return file.error();
  auto written = file->write(text);
  secure_wipe(text.data(), text.size());
  if (!written) return written.error();
  return file->commit();
}

RecipientQueue* KeyFile::find_queue(const std::string& name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : &it->second;
}

std::string KeyFile::unused_queue_name() const {
  for (int i = 1;; ++i) {
    std::string name = fmt::format("q{}", i);
    if (!queues_.contains(name)) return name;
  }
}

SenderKey* KeyFile::find_sender(ByteView sender_id) {
  auto it = senders_.find(b64(sender_id));
  return it == senders_.end() ? nullptr : &it->second;
}

void KeyFile::put_sender(ByteView sender_id, SenderKey key) {
  senders_.insert_or_assign(b64(sender_id), std::move(key));
}

}  // namespace smp::cli
