#include "smp/transport/certificates.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "smp/common/try.h"
#include "smp/transport/x509.h"

namespace smp::transport {

namespace {

constexpr std::string_view kCaCommonName = "SMP server CA";
constexpr std::string_view kCaOrganization = "SimpleX";
constexpr std::size_t kMaxCommonName = 64;  // ub-common-name in RFC 5280
constexpr std::size_t kSerialSize = 20;     // as `openssl req -x509` / `x509 -req` use

Result<EvpPkeyPtr> generate_key(CertificateAlgorithm alg) {
  const char* name = alg == CertificateAlgorithm::ed25519 ? "ED25519" : "ED448";
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, name));
  if (!key) return openssl_error(errc::crypto_failure);
  return key;
}

Result<void> add_name_entry(X509_NAME* name, const char* field, std::string_view value) {
  if (value.size() > kMaxCommonName) return make_error_code(errc::config_invalid);
  auto bytes = as_bytes(value);
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes.data(),
                                 static_cast<int>(bytes.size()), -1, 0) != 1) {
    return openssl_error(errc::config_invalid);
  }
  return {};
}

// Adds an extension written in openssl.cnf syntax; `issuer` is the signing certificate.
Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return openssl_error(errc::crypto_failure);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return openssl_error(errc::crypto_failure);
  return {};
}

// A v3 certificate with a random positive serial, the validity window and the public key set;
// subject and issuer names and extensions are the caller's.
Result<X509Ptr> new_certificate(EVP_PKEY* key, long validity_days) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  Bytes serial = crypto::random_bytes(kSerialSize);
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);  // positive, full length
  BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  bool serial_ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  if (!serial_ok) return openssl_error(errc::crypto_failure);
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(validity_days), 0,
                       nullptr) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  return cert;
}

Result<void> sign(X509* cert, EVP_PKEY* issuer_key) {
  // EdDSA signs the message itself: no separate digest.
  if (X509_sign(cert, issuer_key, nullptr) <= 0) return openssl_error(errc::crypto_failure);
  return {};
}

Result<X509Ptr> make_ca_certificate(EVP_PKEY* key, long validity_days) {
  SMP_TRY(X509Ptr cert, new_certificate(key, validity_days));
  X509_NAME* name = X509_get_subject_name(cert.get());
  SMP_TRY_VOID(add_name_entry(name, "CN", kCaCommonName));
  SMP_TRY_VOID(add_name_entry(name, "O", kCaOrganization));
  if (X509_set_issuer_name(cert.get(), name) != 1) return openssl_error(errc::crypto_failure);
  // The subject key identifier goes first: the self-referencing authority key id copies it.
  SMP_TRY_VOID(add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  SMP_TRY_VOID(add_extension(cert.get(), cert.get(), NID_authority_key_identifier, "keyid:always"));
  SMP_TRY_VOID(add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:true"));
  SMP_TRY_VOID(sign(cert.get(), key));
  return cert;
}

// names[0] is the common name; every name goes into the subjectAltName.
Result<X509Ptr> make_server_certificate(EVP_PKEY* key, X509* ca, EVP_PKEY* ca_key,
                                        const std::vector<std::string>& names, long validity_days) {
  const std::string& server_name = names.front();
  SMP_TRY(X509Ptr cert, new_certificate(key, validity_days));
  SMP_TRY_VOID(add_name_entry(X509_get_subject_name(cert.get()), "CN", server_name));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca)) != 1) {
    return openssl_error(errc::crypto_failure);
  }
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_basic_constraints, "CA:FALSE"));
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_key_usage,
                             "digitalSignature,nonRepudiation,keyAgreement"));
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_ext_key_usage, "serverAuth"));
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_subject_key_identifier, "hash"));
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_authority_key_identifier, "keyid:always"));
  // Not in the reference's certificates (its clients match the CN, and x509-validation
  // ignores IP SANs), but OpenSSL and other modern clients match an IP host only against an
  // IP SAN, and a DNS SAN is what RFC 6125 clients look at. The SAN repeats the CN, then
  // lists the other names.
  std::string san;
  for (const std::string& name : names) {
    if (name.empty() || name.find(',') != std::string::npos) {
      return make_error_code(errc::config_invalid);
    }
    if (!san.empty()) san.push_back(',');
    san += (is_ip_literal(name) ? "IP:" : "DNS:") + name;
  }
  SMP_TRY_VOID(add_extension(cert.get(), ca, NID_subject_alt_name, san));
  SMP_TRY_VOID(sign(cert.get(), ca_key));
  return cert;
}

error_code errno_error() {
  return make_error_code(errno == ENOENT ? errc::not_found
                         : errno == EEXIST ? errc::already_exists
                                           : errc::io_error);
}

// Closes a descriptor when the scope ends.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  const int fd_;
};

// Creates the file with `mode` at open time, so a key file is never readable by others,
// not even for a moment. `exclusive` refuses to replace an existing file.
Result<void> write_file(const std::filesystem::path& file, ByteView data, mode_t mode,
                        bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (exclusive ? O_EXCL : O_TRUNC);
  Fd fd(::open(file.c_str(), flags, mode));
  if (fd.get() < 0) return errno_error();
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error_code(errc::io_error);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return make_error_code(errc::io_error);
  return {};
}

// Reads a whole (small) file into wiped memory.
Result<SecretBytes> read_file(const std::filesystem::path& file) {
  constexpr std::size_t kMaxFile = 1 << 20;
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error();
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_size < 0 ||
      static_cast<std::size_t>(st.st_size) > kMaxFile) {
    return make_error_code(errc::io_error);
  }
  SecretBytes out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error_code(errc::io_error);
    done += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace

Result<CertificateSet> generate_certificates(const CertificateOptions& options) {
  if (options.server_name.empty() || options.validity_days <= 0 ||
      options.validity_days > INT_MAX) {
    return make_error_code(errc::config_invalid);
  }
  SMP_TRY(EvpPkeyPtr ca_key, generate_key(options.algorithm));
  SMP_TRY(X509Ptr ca, make_ca_certificate(ca_key.get(), options.validity_days));
  SMP_TRY(EvpPkeyPtr server_key, generate_key(options.algorithm));
  std::vector<std::string> names{options.server_name};
  names.insert(names.end(), options.alt_names.begin(), options.alt_names.end());
  SMP_TRY(X509Ptr server, make_server_certificate(server_key.get(), ca.get(), ca_key.get(), names,
                                                  options.validity_days));
  CertificateSet set;
  SMP_TRY(set.ca_key_pem, private_key_pem(ca_key.get()));
  SMP_TRY(set.ca_cert_pem, certificate_pem(ca.get()));
  SMP_TRY(set.server_key_pem, private_key_pem(server_key.get()));
  SMP_TRY(set.server_cert_pem, certificate_pem(server.get()));
  return set;
}

Result<void> write_certificate_files(const std::filesystem::path& dir, const CertificateSet& set) {
  SMP_TRY_VOID(write_private_key_file(dir / kCaKeyFile, set.ca_key_pem));
  SMP_TRY_VOID(write_certificate_file(dir / kCaCertFile, set.ca_cert_pem));
  SMP_TRY_VOID(write_private_key_file(dir / kServerKeyFile, set.server_key_pem));
  SMP_TRY_VOID(write_certificate_file(dir / kServerCertFile, set.server_cert_pem));
  return {};
}

Result<void> write_private_key_file(const std::filesystem::path& file, const SecretBytes& pem) {
  return write_file(file, pem.view(), 0600, true);
}

Result<void> write_certificate_file(const std::filesystem::path& file, std::string_view pem) {
  return write_file(file, as_bytes(pem), 0644, false);
}

Result<std::string> read_certificate_file(const std::filesystem::path& file) {
  SMP_TRY(SecretBytes content, read_file(file));
  return to_string(content.view());
}

Result<SecretBytes> read_private_key_file(const std::filesystem::path& file) {
  return read_file(file);
}


Result<crypto::Sha256Digest> key_hash_of_certificate_pem(std::string_view pem) {
  SMP_TRY(X509Ptr cert, parse_certificate_pem(pem));
  SMP_TRY(Bytes der, certificate_der(cert.get()));
  return key_hash_of_certificate_der(der);
}

Result<crypto::Sha256Digest> key_hash_of_certificate_file(const std::filesystem::path& file) {
  SMP_TRY(std::string pem, read_certificate_file(file));
  return key_hash_of_certificate_pem(pem);
}

std::string fingerprint_string(ByteView key_hash) {
  // Standard base64 from OpenSSL, then the URL-safe alphabet; the '=' padding stays.
  std::string out(4 * ((key_hash.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), key_hash.data(),
                          static_cast<int>(key_hash.size()));
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

Result<void> write_fingerprint_file(const std::filesystem::path& file, ByteView key_hash) {
  std::string line = fingerprint_string(key_hash) + "\n";
  return write_file(file, as_bytes(line), 0644, false);
}

Result<std::string> read_fingerprint_file(const std::filesystem::path& file) {
  SMP_TRY(std::string text, read_certificate_file(file));
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace smp::transport
