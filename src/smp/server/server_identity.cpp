#include "smp/server/server_identity.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "smp/crypto/openssl_handles.h"
#include "smp/protocol/server_address.h"
#include "smp/transport/certificates.h"
#include "smp/transport/tls.h"

namespace smp::server {

std::string describe_file_error(const std::filesystem::path& path, const error_code& ec) {
  if (ec == errc::not_found) return fmt::format("{}: file not found", path.string());
  // The library reports io_error without errno; ask the OS why the file cannot be read.
  if (ec == errc::io_error && ::access(path.c_str(), R_OK) != 0) {
    return fmt::format("{}: {}", path.string(), std::strerror(errno));
  }
  return fmt::format("{}: {}", path.string(), ec.message());
}

AppResult<std::string> certificate_common_name(const std::filesystem::path& cert_file) {
  auto pem = transport::read_certificate_file(cert_file);
  if (!pem) return AppError{"cannot read " + describe_file_error(cert_file, pem.error())};
  crypto::BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  crypto::X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    crypto::consume_openssl_error();
    return AppError{fmt::format("{}: not a PEM certificate", cert_file.string())};
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
  ASN1_STRING* data =
      index < 0 ? nullptr : X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  if (!data) return AppError{fmt::format("{}: certificate has no common name", cert_file.string())};
  const unsigned char* bytes = ASN1_STRING_get0_data(data);
  return AppResult<std::string>(
      boost::system::in_place_value,
      std::string(reinterpret_cast<const char*>(bytes),
                  static_cast<std::size_t>(ASN1_STRING_length(data))));
}

std::string server_address(std::string_view host, std::uint16_t port, ByteView key_hash,
                           const std::optional<std::string>& password) {
  std::string port_text = std::to_string(port);
  if (port_text == protocol::kDefaultPort) port_text.clear();
  std::string address = protocol::str_encode(
      protocol::SmpServer{std::string(host), port_text, Bytes(key_hash.begin(), key_hash.end())});
  // smp://<fingerprint>@... → smp://<fingerprint>:<password>@...
  if (password) address.insert(address.find('@'), ":" + *password);
  return address;
}

AppResult<transport::ServerCredentials> load_tls_credentials(const std::filesystem::path& ca_cert,
                                                             const std::filesystem::path& cert,
                                                             const std::filesystem::path& key) {
  auto ca = transport::read_certificate_file(ca_cert);
  if (!ca) return AppError{"cannot read " + describe_file_error(ca_cert, ca.error())};
  auto chain = transport::read_certificate_file(cert);
  if (!chain) return AppError{"cannot read " + describe_file_error(cert, chain.error())};
  auto key_pem = transport::read_private_key_file(key);
  if (!key_pem) return AppError{"cannot read " + describe_file_error(key, key_pem.error())};
  if (!chain->empty() && chain->back() != '\n') chain->push_back('\n');
  *chain += *ca;
  transport::ServerCredentials credentials{std::move(*chain), std::move(*key_pem)};
  auto context = transport::make_server_context(credentials);
  if (!context) {
    if (context.error() == errc::config_invalid) {
      return AppError{fmt::format(
          "{} does not match {}, or the certificate files do not hold one certificate each",
          key.string(), cert.string())};
    }
    return AppError{fmt::format("cannot load the TLS credentials from {}: {}",
                                cert.parent_path().string(), context.error().message())};
  }
  return credentials;
}

namespace {

AppResult<void> check_credentials(const ServerPaths& paths) {
  auto loaded =
      load_tls_credentials(paths.ca_cert_file(), paths.server_cert_file(), paths.server_key_file());
  if (!loaded) return loaded.error();
  return {};
}

}  // namespace

AppResult<ServerIdentity> load_server_identity(const ServerPaths& paths) {
  auto stored = transport::read_fingerprint_file(paths.fingerprint_file());
  if (!stored) {
    return AppError{"cannot read " + describe_file_error(paths.fingerprint_file(), stored.error())};
  }
  auto hash = transport::key_hash_of_certificate_file(paths.ca_cert_file());
  if (!hash) {
    return AppError{"cannot read " + describe_file_error(paths.ca_cert_file(), hash.error())};
  }
  const std::string stored_fingerprint = std::move(*stored);
  ServerIdentity id;
  id.key_hash.assign(hash->begin(), hash->end());
  id.fingerprint = transport::fingerprint_string(id.key_hash);
  if (stored_fingerprint != id.fingerprint) {
    return AppError{std::string(kInvalidFingerprintMessage)};
  }

  auto checked = check_credentials(paths);
  if (!checked) return checked.error();
  auto host = certificate_common_name(paths.server_cert_file());
  if (!host) return host.error();
  id.host = std::move(*host);
  return id;
}

}  // namespace smp::server
