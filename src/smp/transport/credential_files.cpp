#include "smp/transport/credential_files.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "smp/crypto/openssl_handles.h"
#include "smp/transport/certificates.h"

namespace smp::transport {

std::string describe_file_error(const std::filesystem::path& path, const error_code& ec) {
  if (ec == errc::not_found) return fmt::format("{}: file not found", path.string());
  // The library reports io_error without errno; ask the OS why the file cannot be read.
  if (ec == errc::io_error && ::access(path.c_str(), R_OK) != 0) {
    return fmt::format("{}: {}", path.string(), std::strerror(errno));
  }
  return fmt::format("{}: {}", path.string(), ec.message());
}

AppResult<std::string> certificate_common_name(const std::filesystem::path& cert_file) {
  auto pem = read_certificate_file(cert_file);
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
  return AppResult<std::string>(boost::system::in_place_value,
                                std::string(reinterpret_cast<const char*>(bytes),
                                            static_cast<std::size_t>(ASN1_STRING_length(data))));
}

AppResult<ServerCredentials> load_tls_credentials(const std::filesystem::path& ca_cert,
                                                  const std::filesystem::path& cert,
                                                  const std::filesystem::path& key) {
  auto ca = read_certificate_file(ca_cert);
  if (!ca) return AppError{"cannot read " + describe_file_error(ca_cert, ca.error())};
  auto chain = read_certificate_file(cert);
  if (!chain) return AppError{"cannot read " + describe_file_error(cert, chain.error())};
  auto key_pem = read_private_key_file(key);
  if (!key_pem) return AppError{"cannot read " + describe_file_error(key, key_pem.error())};
  if (!chain->empty() && chain->back() != '\n') chain->push_back('\n');
  *chain += *ca;
  ServerCredentials credentials{std::move(*chain), std::move(*key_pem)};
  auto context = make_server_context(credentials);
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

}  // namespace smp::transport
