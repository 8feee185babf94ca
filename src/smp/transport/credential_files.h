// The TLS credentials an application keeps in files (the server's and the agent's: ca.crt,
// a certificate and its key), loaded and checked at start-up, with errors worded for the
// operator (one line, naming the file at fault).
//
// Functions read files only; thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "smp/common/app_error.h"
#include "smp/common/error.h"
#include "smp/transport/tls.h"

namespace smp::transport {

// A TLS server's credentials from its three files: the chain [cert, ca_cert] and key, checked
// to load as a server context. Errors (one line each): a missing or unreadable file (named),
// a key that does not match `cert`, or files that do not hold one certificate each.
AppResult<ServerCredentials> load_tls_credentials(const std::filesystem::path& ca_cert,
                                                  const std::filesystem::path& cert,
                                                  const std::filesystem::path& key);

// The common name of the first certificate in a PEM file.
AppResult<std::string> certificate_common_name(const std::filesystem::path& cert_file);

// "<path>: <reason>" for a file error, with the OS's reason when it can tell one.
std::string describe_file_error(const std::filesystem::path& path, const error_code& ec);

}  // namespace smp::transport
