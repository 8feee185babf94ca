#include "session.h"

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
  auto c = client::BlockingSmpClient::connect(server, config);
  if (!c) {
    o.out.fail(c.error(), Stage::connecting, endpoint_text(server));
    return nullptr;
  }
  return std::move(*c);
}

}  // namespace smp::cli
