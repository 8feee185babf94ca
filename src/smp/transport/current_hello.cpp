#include "smp/transport/current_hello.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "smp/crypto/hash.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/certificates.h"

namespace smp::transport {

namespace {

using protocol::kSmpAuthCommandsVersion;
using protocol::kSmpProxyHandshakeVersion;
using protocol::kSmpServiceCertsVersion;

// TransportError's text form (its smpEncode): the handshake errors carry "HANDSHAKE ".
constexpr std::array<std::pair<std::string_view, errc>, 9> kTransportErrors{{
    {"BLOCK", errc::transport_bad_block},
    {"VERSION", errc::handshake_version},
    {"LARGE_MSG", errc::transport_large_msg},
    {"SESSION", errc::bad_session},
    {"NO_AUTH", errc::transport_no_auth},
    {"HANDSHAKE PARSE", errc::handshake_parse},
    {"HANDSHAKE IDENTITY", errc::handshake_identity},
    {"HANDSHAKE BAD_AUTH", errc::handshake_bad_auth},
    {"HANDSHAKE BAD_SERVICE", errc::handshake_bad_service},
}};

// attoparsec's `optional p`: runs `read` on a copy of the reader and keeps its result and
// position only if it succeeded; otherwise nothing is consumed.
template <class T, class Read>
std::optional<T> optional_field(enc::Reader& r, Read read) {
  enc::Reader probe(r.rest());
  std::optional<T> value = read(probe);
  if (!probe.ok() || !value) return std::nullopt;
  (void)r.take(probe.position());
  return value;
}

bool valid_role(char c) { return c == 'M' || c == 'N' || c == 'P'; }

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// TransportError's parser: the first word (up to a space) names the error; "HANDSHAKE" is
// followed by one space and the handshake error's name (read up to a space or newline, as
// parseRead1, whose `read` allows trailing white space). What follows is ignored.
std::optional<errc> parse_transport_error(std::string_view text) {
  std::string_view word = text.substr(0, text.find(' '));
  if (word == "HANDSHAKE") {
    if (text.size() <= word.size() || !is_space(text[word.size()])) return std::nullopt;
    std::string_view rest = text.substr(word.size() + 1);
    std::string_view name = rest.substr(0, rest.find_first_of(" \n"));
    while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
    if (name.empty()) return std::nullopt;
    // The table spells the separator as one space.
    for (const auto& [spelled, e] : kTransportErrors) {
      if (spelled.starts_with("HANDSHAKE ") && spelled.substr(10) == name) return e;
    }
    return std::nullopt;
  }
  for (const auto& [spelled, e] : kTransportErrors) {
    if (spelled == word) return e;
  }
  return std::nullopt;
}

}  // namespace

enc::VersionRange current_server_versions() {
  return enc::VersionRange::of(protocol::kSmpCurrentVersionMin, protocol::kSmpCurrentVersionMax);
}

Result<Bytes> encode_current_server_handshake(const CurrentServerHandshake& h) {
  enc::Writer w;
  enc::write_version_range(w, h.versions);
  w.short_bytes(h.session_id);
  // encodeAuthEncryptCmds (maxVersion range): the key only from v7.
  if (h.versions.max() >= kSmpAuthCommandsVersion && h.cert_key) {
    write_cert_chain_pub_key(w, *h.cert_key);
  }
  return std::move(w).finish();
}

Result<Bytes> encode_current_client_handshake(const CurrentClientHandshake& h) {
  enc::Writer w;
  w.u16(h.version).short_bytes(h.key_hash);
  if (h.version >= kSmpAuthCommandsVersion && h.dh_key) crypto::write_public_key(w, *h.dh_key);
  if (h.version >= kSmpProxyHandshakeVersion) w.ch(h.proxy_server ? 'T' : 'F');
  if (h.version >= kSmpServiceCertsVersion) {
    w.maybe_tag(h.service.has_value());
    if (h.service) {
      w.ch(static_cast<char>(h.service->role));
      write_cert_chain_pub_key(w, h.service->cert_key);
    }
  }
  return std::move(w).finish();
}

Result<Bytes> encode_server_handshake_response(const ServerHandshakeResponse& r) {
  enc::Writer w;
  if (r.service_id) {
    w.ch('R').short_bytes(*r.service_id);
    return std::move(w).finish();
  }
  auto it =
      std::ranges::find(kTransportErrors, r.error, &std::pair<std::string_view, errc>::second);
  if (it == kTransportErrors.end()) return make_error_code(errc::bad_tag);
  w.ch('E').raw(it->first);
  return std::move(w).finish();
}

Result<CurrentServerHandshake> parse_current_server_handshake(ByteView content) {
  enc::Reader r(content);
  CurrentServerHandshake h;
  auto versions = enc::read_version_range(r);
  h.session_id = to_bytes(r.short_bytes());
  if (!r.ok() || !versions) return make_error_code(errc::handshake_parse);
  h.versions = *versions;
  if (h.versions.max() >= kSmpAuthCommandsVersion) {
    h.cert_key = optional_field<CertChainPubKey>(r, read_cert_chain_pub_key);
  }
  return h;  // the rest is ignored
}

Result<CurrentClientHandshake> parse_current_client_handshake(ByteView content) {
  enc::Reader r(content);
  CurrentClientHandshake h;
  h.version = r.u16();
  h.key_hash = to_bytes(r.short_bytes());
  if (!r.ok()) return make_error_code(errc::handshake_parse);
  if (h.version >= kSmpAuthCommandsVersion) {
    h.dh_key = optional_field<crypto::PublicKey>(
        r, [](enc::Reader& p) { return crypto::read_public_key(p, crypto::kDhX25519); });
  }
  if (h.version >= kSmpProxyHandshakeVersion) {
    char flag = r.ch();
    if (r.ok() && flag != 'T' && flag != 'F') r.fail(errc::bad_tag);
    h.proxy_server = flag == 'T';
  }
  if (h.version >= kSmpServiceCertsVersion && r.maybe_tag()) {
    char role = r.ch();
    if (r.ok() && !valid_role(role)) r.fail(errc::bad_tag);
    auto cert_key = read_cert_chain_pub_key(r);
    if (r.ok() && cert_key) h.service = ClientService{static_cast<ServiceRole>(role), *cert_key};
  }
  if (!r.ok()) return make_error_code(errc::handshake_parse);
  return h;  // the rest is ignored
}

Result<ServerHandshakeResponse> parse_server_handshake_response(ByteView content) {
  enc::Reader r(content);
  char tag = r.ch();
  if (!r.ok()) return make_error_code(errc::handshake_parse);
  if (tag == 'R') {
    ByteView id = r.short_bytes();
    if (!r.ok()) return make_error_code(errc::handshake_parse);
    return ServerHandshakeResponse{to_bytes(id), errc::ok};
  }
  if (tag != 'E') return make_error_code(errc::handshake_parse);
  auto error = parse_transport_error(as_chars(r.rest()));
  if (!error) return make_error_code(errc::handshake_parse);
  return ServerHandshakeResponse{std::nullopt, *error};
}

Result<enc::VersionRange> accept_current_client(const CurrentClientHandshake& h,
                                                ByteView own_key_hash, enc::VersionRange offered) {
  if (!constant_time_equal(h.key_hash, own_key_hash)) {
    return make_error_code(errc::handshake_identity);
  }
  // compatibleVRange' offered v: Just (min .. v) when min <= v <= max.
  if (!enc::is_compatible(h.version, offered)) return make_error_code(errc::handshake_version);
  return enc::VersionRange::make(offered.min(), h.version);
}

Result<enc::VersionRange> choose_current_versions(const CurrentServerHandshake& h,
                                                  ByteView own_session_id,
                                                  const ClientHandshakeOptions& options) {
  // The session id is public (it travels in clear in the handshake), so == is fine here.
  if (!std::ranges::equal(h.session_id, own_session_id)) {
    return make_error_code(errc::bad_session);
  }
  enc::VersionRange ours = options.versions;
  // A proxy keeps transport encryption off towards destinations older than v14 (they would
  // not know it is a proxy): it stays at v10 or below.
  if (options.proxy_server && h.versions.max() < kSmpProxyHandshakeVersion) {
    auto capped = enc::VersionRange::make(
        ours.min(), std::max<std::uint16_t>(ours.min(), protocol::kSmpDeletedEventVersion));
    if (capped) ours = *capped;
  }
  // compatibleVRange: the intersection of the two ranges.
  auto common = enc::VersionRange::make(std::max(h.versions.min(), ours.min()),
                                        std::min(h.versions.max(), ours.max()));
  if (!common) return make_error_code(errc::handshake_version);
  return *common;
}

Result<crypto::PublicKey> verify_server_dh_key(const CertChainPubKey& cert_key, ByteView key_hash,
                                               const crypto::PublicKey& tls_certificate_key) {
  const auto bad_auth = make_error_code(errc::handshake_bad_auth);
  auto id_cert = id_certificate(cert_key.chain);
  if (!id_cert || !constant_time_equal(key_hash_of_certificate_der(*id_cert), key_hash)) {
    return bad_auth;
  }
  auto key = verify_signed_key(cert_key.signed_key, tls_certificate_key, crypto::kDhX25519);
  if (!key) return bad_auth;
  return *key;
}

}  // namespace smp::transport
