#include "smp/transport/certificates.h"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <ctime>

#include "smp/transport/x509.h"
#include "support/vectors.h"
#include "support/temp_dir.h"

namespace smp::transport {
namespace {

struct Parsed {
  X509Ptr ca;
  X509Ptr server;
};

Parsed parse(const CertificateSet& set) {
  auto ca = parse_certificate_pem(set.ca_cert_pem);
  auto server = parse_certificate_pem(set.server_cert_pem);
  EXPECT_TRUE(ca.has_value());
  EXPECT_TRUE(server.has_value());
  if (!ca || !server) return {};
  return {std::move(*ca), std::move(*server)};
}

std::string name_entry(X509_NAME* name, int nid) {
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(name, nid, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

// The certificate's own rendering of one extension ("CA:TRUE", "TLS Web Server Authentication").
std::string extension_text(X509* cert, int nid, bool* critical = nullptr) {
  int idx = X509_get_ext_by_NID(cert, nid, -1);
  if (idx < 0) return {};
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  if (critical) *critical = X509_EXTENSION_get_critical(ext) == 1;
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509V3_EXT_print(bio.get(), ext, 0, 0);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

int days_valid(X509* cert) {
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  return days;
}

class CertificatesTest : public ::testing::TestWithParam<CertificateAlgorithm> {};

TEST_P(CertificatesTest, CaCertificateMatchesReferenceInit) {
  auto set = generate_certificates({.algorithm = GetParam(), .server_name = "127.0.0.1"});
  ASSERT_TRUE(set.has_value()) << set.error().message();
  Parsed p = parse(*set);
  X509* ca = p.ca.get();
  EXPECT_EQ(X509_get_version(ca), X509_VERSION_3);
  EXPECT_EQ(name_entry(X509_get_subject_name(ca), NID_commonName), "SMP server CA");
  EXPECT_EQ(name_entry(X509_get_subject_name(ca), NID_organizationName), "SimpleX");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(ca)), 0);
  bool critical = false;
  EXPECT_EQ(extension_text(ca, NID_basic_constraints, &critical), "CA:TRUE");
  EXPECT_TRUE(critical);
  std::string ski = extension_text(ca, NID_subject_key_identifier);
  EXPECT_FALSE(ski.empty());
  EXPECT_NE(extension_text(ca, NID_authority_key_identifier).find(ski), std::string::npos);
  EXPECT_EQ(days_valid(ca), 999999);
  EVP_PKEY* key = X509_get0_pubkey(ca);
  EXPECT_EQ(EVP_PKEY_get_id(key),
            GetParam() == CertificateAlgorithm::ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448);
  EXPECT_EQ(X509_verify(ca, key), 1);
}

TEST_P(CertificatesTest, ServerCertificateIsSignedByCaWithReferenceExtensions) {
  auto set = generate_certificates({.algorithm = GetParam(), .server_name = "127.0.0.1"});
  ASSERT_TRUE(set.has_value());
  Parsed p = parse(*set);
  X509* server = p.server.get();
  EXPECT_EQ(X509_get_version(server), X509_VERSION_3);
  EXPECT_EQ(name_entry(X509_get_subject_name(server), NID_commonName), "127.0.0.1");
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(server), X509_get_subject_name(p.ca.get())), 0);
  EXPECT_EQ(X509_verify(server, X509_get0_pubkey(p.ca.get())), 1);
  EXPECT_EQ(extension_text(server, NID_basic_constraints), "CA:FALSE");
  EXPECT_EQ(extension_text(server, NID_key_usage),
            "Digital Signature, Non Repudiation, Key Agreement");
  EXPECT_EQ(extension_text(server, NID_ext_key_usage), "TLS Web Server Authentication");
  EXPECT_EQ(extension_text(server, NID_subject_alt_name), "IP Address:127.0.0.1");
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);
  EXPECT_EQ(days_valid(server), 999999);
  auto key = parse_private_key_pem(set->server_key_pem.view());
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(X509_check_private_key(server, key->get()), 1);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CertificatesTest,
                         ::testing::Values(CertificateAlgorithm::ed25519,
                                           CertificateAlgorithm::ed448));

TEST(Certificates, DnsNameGoesIntoCnAndDnsSan) {
  auto set = generate_certificates({.algorithm = CertificateAlgorithm::ed25519,
                                    .server_name = "smp.example.com"});
  ASSERT_TRUE(set.has_value());
  Parsed p = parse(*set);
  EXPECT_EQ(name_entry(X509_get_subject_name(p.server.get()), NID_commonName), "smp.example.com");
  EXPECT_EQ(extension_text(p.server.get(), NID_subject_alt_name), "DNS:smp.example.com");
}

TEST(Certificates, RejectsEmptyOrOverlongServerName) {
  EXPECT_EQ(generate_certificates({.server_name = ""}).error(), errc::config_invalid);
  EXPECT_EQ(generate_certificates({.server_name = std::string(65, 'a')}).error(),
            errc::config_invalid);
}

TEST(Certificates, EveryGenerationMakesNewKeysAndSerials) {
  auto a = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  auto b = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  const CertificateSet& sa = *a;
  const CertificateSet& sb = *b;
  EXPECT_NE(sa.ca_cert_pem, sb.ca_cert_pem);
  EXPECT_NE(sa.server_cert_pem, sb.server_cert_pem);
  Parsed pa = parse(sa), pb = parse(sb);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(pa.ca.get()),
                             X509_get0_serialNumber(pb.ca.get())), 0);
}

mode_t file_mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(Certificates, WritesKeyFilesWithMode0600AndReadsThemBack) {
  test::TempDir dir;
  auto set = generate_certificates({.algorithm = CertificateAlgorithm::ed448});
  ASSERT_TRUE(set.has_value());
  ASSERT_TRUE(write_certificate_files(dir.path(), *set).has_value());
  EXPECT_EQ(file_mode(dir.path() / kCaKeyFile), 0600u);
  EXPECT_EQ(file_mode(dir.path() / kServerKeyFile), 0600u);
  EXPECT_EQ(file_mode(dir.path() / kCaCertFile) & 0600u, 0600u);
  auto ca = read_certificate_file(dir.path() / kCaCertFile);
  ASSERT_TRUE(ca.has_value());
  EXPECT_EQ(*ca, set->ca_cert_pem);
  auto key = read_private_key_file(dir.path() / kServerKeyFile);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(to_string(key->view()), to_string(set->server_key_pem.view()));
  EXPECT_TRUE(parse_private_key_pem(key->view()).has_value());
}

TEST(Certificates, NeverOverwritesAnExistingKeyFile) {
  test::TempDir dir;
  auto set = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  ASSERT_TRUE(set.has_value());
  ASSERT_TRUE(write_certificate_files(dir.path(), *set).has_value());
  auto again = generate_certificates({.algorithm = CertificateAlgorithm::ed25519});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(write_certificate_files(dir.path(), *again).error(), errc::already_exists);
  auto key = read_private_key_file(dir.path() / kCaKeyFile);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(to_string(key->view()), to_string(set->ca_key_pem.view()));
}

TEST(Certificates, MissingFileIsNotFound) {
  test::TempDir dir;
  EXPECT_EQ(read_certificate_file(dir.path() / "nope.crt").error(), errc::not_found);
  EXPECT_EQ(key_hash_of_certificate_file(dir.path() / "nope.crt").error(), errc::not_found);
  EXPECT_EQ(write_certificate_files(dir.path() / "missing-dir", CertificateSet{}).error(),
            errc::not_found);
}

TEST(Certificates, KeyHashAndFingerprintMatchReferenceCertificates) {
  SMP_LOAD_VECTORS(v, "keys.json");
  const auto& certs = v.at("certificates").as_array();
  ASSERT_FALSE(certs.empty());
  for (const auto& c : certs) {
    Bytes der = test::hex(c.at("certificate_der"));
    auto hash = key_hash_of_certificate_der(der);
    EXPECT_EQ(to_hex(hash), test::str(c.at("key_hash")));
    EXPECT_EQ(fingerprint_string(hash), test::str(c.at("key_hash_str")));
    // The same certificate as PEM hashes to the same value.
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(cert);
    auto pem = certificate_pem(cert.get());
    ASSERT_TRUE(pem.has_value());
    auto from_pem = key_hash_of_certificate_pem(*pem);
    ASSERT_TRUE(from_pem.has_value());
    EXPECT_EQ(*from_pem, hash);
  }
}

TEST(Certificates, FingerprintFileHoldsBase64UrlKeyHashOfCaCertificate) {
  test::TempDir dir;
  auto set = generate_certificates({.algorithm = CertificateAlgorithm::ed448});
  ASSERT_TRUE(set.has_value());
  ASSERT_TRUE(write_certificate_files(dir.path(), *set).has_value());
  auto hash = key_hash_of_certificate_file(dir.path() / kCaCertFile);
  ASSERT_TRUE(hash.has_value());
  auto ca = parse_certificate_pem(set->ca_cert_pem);
  ASSERT_TRUE(ca.has_value());
  auto der = certificate_der(ca->get());
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(*hash, crypto::sha256(*der));

  ASSERT_TRUE(write_fingerprint_file(dir.path() / kFingerprintFile, *hash).has_value());
  auto raw = read_certificate_file(dir.path() / kFingerprintFile);
  ASSERT_TRUE(raw.has_value());
  std::string expected = fingerprint_string(*hash);
  EXPECT_EQ(expected.size(), 44u);
  EXPECT_EQ(expected.back(), '=');
  EXPECT_EQ(expected.find_first_of("+/"), std::string::npos);
  EXPECT_EQ(*raw, expected + "\n");
  auto line = read_fingerprint_file(dir.path() / kFingerprintFile);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, expected);
}

TEST(Certificates, MalformedPemIsBadDer) {
  EXPECT_EQ(parse_certificate_pem("").error(), errc::bad_der);
  EXPECT_EQ(parse_certificate_pem("not a certificate").error(), errc::bad_der);
  EXPECT_EQ(parse_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                .error(),
            errc::bad_der);
  EXPECT_EQ(key_hash_of_certificate_pem("garbage").error(), errc::bad_der);
  EXPECT_EQ(parse_private_key_pem(as_bytes("-----BEGIN PRIVATE KEY-----\nAA==\n"
                                           "-----END PRIVATE KEY-----\n"))
                .error(),
            errc::bad_der);
}

TEST(Certificates, FingerprintOfShortInputsIsPaddedBase64Url) {
  Bytes b = {0xfb, 0xff};
  EXPECT_EQ(fingerprint_string(b), "-_8=");
  EXPECT_EQ(fingerprint_string(Bytes{}), "");
}

}  // namespace
}  // namespace smp::transport
