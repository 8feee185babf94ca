// Server identity certificates, as `smp-server init` makes them (spec §6, §2.3): an offline CA
// certificate and an online server certificate signed by it, both EdDSA, plus the key hash
// (fingerprint) that clients pin: SHA-256 of the CA certificate's whole DER.
//
// Pure functions and plain file I/O; thread-safe. Private keys travel as PEM text inside
// SecretBytes and are written to files created with mode 0600.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/key_hash.h"

namespace smp::transport {

enum class CertificateAlgorithm : std::uint8_t { ed25519, ed448 };

struct CertificateOptions {
  // The reference `init` defaults to ED448.
  CertificateAlgorithm algorithm = CertificateAlgorithm::ed448;
  // FQDN or IP literal the clients connect to: the server certificate's CN and subjectAltName.
  std::string server_name = "127.0.0.1";
  // Both certificates start now; the reference uses 999999 days.
  long validity_days = 999999;
  // More names for the server certificate's subjectAltName, after server_name (DNS names or
  // IP literals), e.g. a local agent answering to "localhost", 127.0.0.1 and ::1.
  std::vector<std::string> alt_names = {};
};

// A freshly generated CA and server pair as PEM texts; keys are unencrypted PKCS#8.
struct CertificateSet {
  SecretBytes ca_key_pem;
  std::string ca_cert_pem;
  SecretBytes server_key_pem;
  std::string server_cert_pem;
};

// errc::config_invalid when server_name is empty or does not fit a CN (64 characters);
// errc::crypto_failure if OpenSSL fails.
Result<CertificateSet> generate_certificates(const CertificateOptions& options);

// File names inside the server's configuration directory (spec §6).
inline constexpr std::string_view kCaKeyFile = "ca.key";
inline constexpr std::string_view kCaCertFile = "ca.crt";
inline constexpr std::string_view kServerKeyFile = "server.key";
inline constexpr std::string_view kServerCertFile = "server.crt";
inline constexpr std::string_view kFingerprintFile = "fingerprint";

// Writes ca.key, ca.crt, server.key and server.crt into `dir` (which must exist). Key files
// are created with mode 0600 and never overwritten: an existing key file gives
// errc::already_exists. Certificate files (0644) are replaced. Other failures: errc::io_error.
Result<void> write_certificate_files(const std::filesystem::path& dir, const CertificateSet& set);

// One file of a set: a private key is created with mode 0600 and never replaces an existing
// file (errc::already_exists); a certificate (0644) replaces one. Other failures:
// errc::not_found (no such directory) or errc::io_error.
Result<void> write_private_key_file(const std::filesystem::path& file, const SecretBytes& pem);
Result<void> write_certificate_file(const std::filesystem::path& file, std::string_view pem);

// File contents: errc::not_found if missing, errc::io_error otherwise.
Result<std::string> read_certificate_file(const std::filesystem::path& file);
Result<SecretBytes> read_private_key_file(const std::filesystem::path& file);

// The key hash (spec §2.3) of a certificate given as DER, as PEM (its first certificate), or
// as a PEM file such as ca.crt. PEM errors: errc::bad_der.
using crypto::key_hash_of_certificate_der;
Result<crypto::Sha256Digest> key_hash_of_certificate_pem(std::string_view pem);
Result<crypto::Sha256Digest> key_hash_of_certificate_file(const std::filesystem::path& file);

// The fingerprint text: base64url with padding of the key hash (44 characters for 32 bytes).
std::string fingerprint_string(ByteView key_hash);
// Writes "<fingerprint>\n" (the reference's `fingerprint` file), replacing the file.
Result<void> write_fingerprint_file(const std::filesystem::path& file, ByteView key_hash);
// The first line of a fingerprint file, without its line ending.
Result<std::string> read_fingerprint_file(const std::filesystem::path& file);

}  // namespace smp::transport
