#include "session.h"

#include "smp/protocol/queue_uri.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"

namespace smp::cli {

std::string endpoint_text(const protocol::SmpServer& server) {
  std::string port = server.port.empty() ? std::string(protocol::kDefaultPort) : server.port;
  return server.host + ":" + port;
}

std::optional<protocol::SmpServer> parse_server(const Options& o, const std::string& text) {
  auto server = protocol::decode_smp_server(text);
  if (!server) {
    o.out.fail(server.error(), Stage::local, text);
    return std::nullopt;
  }
  return std::move(*server);
}

std::optional<KeyFile> open_key_file(const Options& o) {
  auto file = KeyFile::load(o.key_file);
  if (!file) {
    o.out.fail(error_code_name(file.error()),
               describe_error(file.error(), Stage::local, {}) + ": " + o.key_file.string());
    return std::nullopt;
  }
  return std::move(*file);
}

bool save_key_file(const Options& o, const KeyFile& file) {
  auto saved = file.save();
  if (!saved) {
    o.out.fail("io_error",
               "cannot write the key file " + o.key_file.string() + ": " + saved.error().message());
    return false;
  }
  return true;
}

std::unique_ptr<client::BlockingSmpClient> connect(const Options& o,
                                                   const protocol::SmpServer& server) {
  client::ClientConfig config;
  config.connect_timeout = o.connect_timeout;
  config.command_timeout = o.command_timeout;
  config.protocols = client::protocols_for(o.generation);
  auto c = client::BlockingSmpClient::connect(server, config);
  if (!c) {
    o.out.fail(c.error(), Stage::connecting, endpoint_text(server));
    return nullptr;
  }
  if (!client::accepts_version(o.generation, (*c)->async_client().smp_version())) {
    o.out.fail("unsupported", endpoint_text(server) +
                                  " speaks only SMP v1, not the current generation (SMP 6..18); "
                                  "use --smp auto or --smp v1");
    return nullptr;
  }
  return std::move(*c);
}

std::string queue_uri_of(const RecipientQueue& q) {
  const bool current = protocol::is_current_generation(q.smp_version);
  protocol::SmpQueueUri uri{
      q.server, q.sender_id,
      current ? protocol::kCurrentQueueUriVersions : protocol::kShortQueueUriVersions,
      q.dh_key.public_key(), q.queue_mode};
  return current ? protocol::str_encode_versioned(uri) : protocol::str_encode(uri);
}

}  // namespace smp::cli
