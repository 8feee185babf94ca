#include "smp/agent/agent_credentials.h"

#include <array>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "smp/transport/credential_files.h"

namespace smp::agent {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 3> kCredentialFiles{kCaCertFile, kAgentCertFile,
                                                           kAgentKeyFile};

// The directory exists afterwards (made owner-only when this call creates it).
AppResult<void> ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return AppError{fmt::format("cannot read {}: {}", dir.string(), ec.message())};
  }
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return AppError{fmt::format("{} is not a directory", dir.string())};
    return {};
  }
  fs::create_directories(dir, ec);
  if (ec) return AppError{fmt::format("cannot create {}: {}", dir.string(), ec.message())};
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return AppError{fmt::format("cannot set the mode of {}: {}", dir.string(), ec.message())};
  return {};
}

// Which of the three files are there: errors other than "absent" are reported.
AppResult<std::array<bool, 3>> present_files(const fs::path& dir) {
  std::array<bool, 3> present{};
  for (std::size_t i = 0; i < kCredentialFiles.size(); ++i) {
    std::error_code ec;
    const fs::path file = dir / kCredentialFiles[i];
    present[i] = fs::exists(fs::symlink_status(file, ec));
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return AppError{fmt::format("cannot read {}: {}", file.string(), ec.message())};
    }
  }
  return present;
}

AppResult<void> create_credentials(const fs::path& dir) {
  auto set = transport::generate_certificates(agent_certificate_options());
  if (!set) return AppError{"cannot generate the agent certificates: " + set.error().message()};
  // The key first: a start interrupted half-way leaves a folder that the next start refuses
  // (some files missing) rather than one whose certificate has no key.
  auto failed = [&](const fs::path& file, const error_code& ec) {
    return AppError{"cannot write " + transport::describe_file_error(file, ec)};
  };
  if (auto r = transport::write_private_key_file(dir / kAgentKeyFile, set->server_key_pem); !r) {
    return failed(dir / kAgentKeyFile, r.error());
  }
  if (auto r = transport::write_certificate_file(dir / kAgentCertFile, set->server_cert_pem); !r) {
    return failed(dir / kAgentCertFile, r.error());
  }
  if (auto r = transport::write_certificate_file(dir / kCaCertFile, set->ca_cert_pem); !r) {
    return failed(dir / kCaCertFile, r.error());
  }
  return {};
}

}  // namespace

transport::CertificateOptions agent_certificate_options() {
  transport::CertificateOptions options;
  options.algorithm = transport::CertificateAlgorithm::ed448;
  options.server_name = "localhost";
  options.alt_names = {"127.0.0.1", "::1"};
  return options;
}

AppResult<AgentCredentials> load_or_create_agent_credentials(const fs::path& dir) {
  if (auto r = ensure_directory(dir); !r) return r.error();
  auto present = present_files(dir);
  if (!present) return present.error();
  std::string missing;
  std::size_t count = 0;
  for (std::size_t i = 0; i < kCredentialFiles.size(); ++i) {
    if ((*present)[i]) {
      ++count;
    } else {
      missing += missing.empty() ? "" : ", ";
      missing += kCredentialFiles[i];
    }
  }
  bool created = false;
  if (count == 0) {
    if (auto r = create_credentials(dir); !r) return r.error();
    created = true;
  } else if (count < kCredentialFiles.size()) {
    return AppError{fmt::format(
        "{} holds only some of the agent's credentials ({} missing): keep ca.crt, agent.crt "
        "and agent.key together, or remove them all to make new ones",
        dir.string(), missing)};
  }

  auto tls =
      transport::load_tls_credentials(dir / kCaCertFile, dir / kAgentCertFile, dir / kAgentKeyFile);
  if (!tls) return tls.error();
  auto hash = transport::key_hash_of_certificate_file(dir / kCaCertFile);
  if (!hash) {
    return AppError{"cannot read " + transport::describe_file_error(dir / kCaCertFile, hash.error())};
  }
  AgentCredentials out;
  out.tls = std::move(*tls);
  out.key_hash.assign(hash->begin(), hash->end());
  out.created = created;
  return out;
}

}  // namespace smp::agent
