#include "smp/server/server_init.h"

#include <array>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "smp/encoding/base64.h"
#include "smp/server/random_ids.h"
#include "smp/server/server_identity.h"
#include "smp/server/server_ini.h"
#include "smp/transport/credential_files.h"

namespace smp::server {

namespace fs = std::filesystem;

namespace {

// What an earlier init may have left behind: ours, and what the reference's openssl calls
// create (server.csr, the openssl configs, ca.srl).
constexpr std::array kConfigFiles{std::string_view("ca.key"), std::string_view("ca.crt"),
                                  std::string_view("server.key"), std::string_view("server.crt"),
                                  std::string_view("fingerprint"), std::string_view("server.csr"),
                                  std::string_view("openssl_ca.conf"),
                                  std::string_view("openssl_server.conf"),
                                  std::string_view("ca.srl")};

int fail(std::ostream& err, std::string_view message) {
  err << "Error: " << message << std::endl;
  return 1;
}

AppResult<void> prepare_directories(const ServerPaths& paths) {
  std::error_code ec;
  for (const fs::path& dir : {paths.config_dir, paths.log_dir}) {
    fs::create_directories(dir, ec);
    if (ec) return AppError{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
  }
  // A new identity makes the old queues unreachable: the reference deletes both directories
  // here; we remove only the files we own.
  auto remove = [&](const fs::path& file) {
    fs::remove(file, ec);
    if (ec) return AppError{fmt::format("cannot remove {}: {}", file.string(), ec.message())};
    return AppError{};
  };
  for (std::string_view name : kConfigFiles) {
    if (AppError e = remove(paths.config_dir / name); !e.message.empty()) return e;
  }
  for (const fs::path& file : {paths.store_log_file(), paths.messages_file()}) {
    if (AppError e = remove(file); !e.message.empty()) return e;
  }
  return {};
}

AppResult<void> write_text_file(const fs::path& path, const std::string& text, bool secret) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.flush();
  if (!file) return AppError{fmt::format("cannot write {}", path.string())};
  if (secret) {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
    if (ec) return AppError{fmt::format("cannot restrict {}: {}", path.string(), ec.message())};
  }
  return {};
}

// `Bytes` random bytes as base64url (the reference's randomBase64).
template <std::size_t Bytes>
std::string random_password() {
  auto bytes = random_id<Bytes>();
  std::string password = enc::b64url_encode(ByteView(bytes.data(), bytes.size()));
  secure_wipe(bytes.data(), bytes.size());
  return password;
}

std::optional<std::string> init_password(const InitOptions& options) {
  switch (options.password) {
    case InitPassword::random:
      return random_password<32>();
    case InitPassword::none: return std::nullopt;
    case InitPassword::given: return options.given_password;
  }
  return std::nullopt;
}

AppResult<Bytes> create_identity(const ServerPaths& paths, const InitOptions& options) {
  transport::CertificateOptions cert_options;
  cert_options.algorithm = options.algorithm;
  cert_options.server_name = options.fqdn.value_or(options.ip);
  auto set = transport::generate_certificates(cert_options);
  if (!set) {
    if (set.error() == errc::config_invalid) {
      return AppError{fmt::format("`{}` cannot be the certificate's name (1 to 64 characters)",
                                  cert_options.server_name)};
    }
    return AppError{"cannot generate the certificates: " + set.error().message()};
  }
  if (auto written = transport::write_certificate_files(paths.config_dir, *set); !written) {
    return AppError{fmt::format("cannot write the certificates to {}: {}",
                                paths.config_dir.string(), written.error().message())};
  }
  auto hash = transport::key_hash_of_certificate_pem(set->ca_cert_pem);
  if (!hash) return AppError{"cannot read the new CA certificate: " + hash.error().message()};
  Bytes key_hash(hash->begin(), hash->end());
  if (auto written = transport::write_fingerprint_file(paths.fingerprint_file(), key_hash);
      !written) {
    return AppError{"cannot write " + transport::describe_file_error(paths.fingerprint_file(), written.error())};
  }
  return key_hash;
}

}  // namespace

int init_server(const ServerPaths& paths, const InitOptions& options, std::ostream& out,
                std::ostream& err) {
  std::error_code ec;
  if (fs::exists(paths.ini_file(), ec)) {
    err << "Error: server is already initialized (" << paths.ini_file().string() << " exists).\n"
        << "Run `smp-server start`." << std::endl;
    return 1;
  }
  if (options.password == InitPassword::given && !is_valid_basic_auth(options.given_password)) {
    return fail(err, "the password must be printable ASCII characters without spaces, '@', ':' "
                     "and '/'");
  }
  ServerIniSettings settings;
  settings.store_log = options.store_log;
  settings.host = options.fqdn.value_or(options.ip);
  settings.listen_host = options.listen_host;
  settings.ports = {options.port};
  settings.create_password = init_password(options);
  if (options.control_port) {  // two passwords of 18 random bytes, as the reference's init
    settings.control_port = options.control_port;
    settings.control_port_admin_password = random_password<18>();
    settings.control_port_user_password = random_password<18>();
  }
  // What start would refuse (port 80, a host with spaces) is refused before anything is made.
  const std::string ini_text = format_server_ini(settings);
  if (auto checked = parse_server_ini(ini_text); !checked) {
    return fail(err, checked.error().message);
  }
  if (auto prepared = prepare_directories(paths); !prepared) {
    return fail(err, prepared.error().message);
  }
  auto created = create_identity(paths, options);
  if (!created) return fail(err, created.error().message);
  const Bytes key_hash = std::move(*created);

  // The ini is written last: its presence is what marks the server as initialized.
  if (auto written =
          write_text_file(paths.ini_file(), ini_text,
                          settings.create_password.has_value() || settings.control_port);
      !written) {
    return fail(err, written.error().message);
  }

  std::string fingerprint = transport::fingerprint_string(key_hash);
  out << "Server initialized, you can modify configuration in " << paths.ini_file().string()
      << ".\nRun `smp-server start` to start server.\n"
      << kServerVersionLine << "\n"
      << "Fingerprint: " << fingerprint << "\n"
      << "Server address: "
      << server_address(settings.host, options.port, key_hash, settings.create_password) << "\n"
      << "----------\n"
      << "You should store CA private key securely and delete it from the server.\n"
      << "If server TLS credential is compromised this key can be used to sign a new one, "
         "keeping the same server identity and established connections.\n"
      << "CA private key location:\n"
      << paths.ca_key_file().string() << "\n"
      << "----------" << std::endl;
  return 0;
}

int delete_server(const ServerPaths& paths, std::ostream& out, std::ostream& err) {
  for (const fs::path& dir : {paths.config_dir, paths.log_dir}) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return fail(err, fmt::format("cannot delete {}: {}", dir.string(), ec.message()));
  }
  out << "Deleted configuration and log files" << std::endl;
  return 0;
}

}  // namespace smp::server
