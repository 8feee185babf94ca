#include "smp/agent/e2e_params.h"

#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"

namespace smp::agent {

void write_e2e_params(enc::Writer& w, const E2ERatchetParams& params) {
  if (params.key1.algorithm() != crypto::KeyAlgorithm::x448 ||
      params.key2.algorithm() != crypto::KeyAlgorithm::x448) {
    w.fail(errc::wrong_algorithm);
    return;
  }
  w.u16(params.version);
  crypto::write_public_key(w, params.key1);
  crypto::write_public_key(w, params.key2);
}

std::optional<E2ERatchetParams> read_e2e_params(enc::Reader& r) {
  enc::Version version = r.u16();
  auto key1 = crypto::read_public_key(r, crypto::kDhX448);
  auto key2 = crypto::read_public_key(r, crypto::kDhX448);
  if (!r.ok() || !key1 || !key2) return std::nullopt;
  return E2ERatchetParams{version, *key1, *key2};
}

Bytes encode_e2e_params(const E2ERatchetParams& params) {
  enc::Writer w;
  write_e2e_params(w, params);
  return w.bytes();  // keys are at most 69 bytes: the writer cannot fail
}

Result<E2ERatchetParams> decode_e2e_params(ByteView in) {
  enc::Reader r(in);
  auto params = read_e2e_params(r);
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return *params;
}

std::string str_encode(const E2ERatchetParamsUri& params) {
  return enc::render_query(
      {{"v", enc::str_encode(params.versions)},
       {"x3dh", crypto::str_encode(params.key1) + "," + crypto::str_encode(params.key2)}},
      enc::Escaping::none);
}

Result<E2ERatchetParamsUri> decode_e2e_params_uri(std::string_view text) {
  const auto fail = make_error_code(errc::bad_uri);
  enc::QueryParams query = enc::parse_query(text);
  if (!text.empty()) return fail;
  auto v = enc::query_param(query, "v");
  auto x3dh = enc::query_param(query, "x3dh");
  if (!v || !x3dh) return fail;
  auto versions = enc::decode_version_range(*v);
  // Exactly two keys: a third item would leave a ',' inside the second, which no key text has.
  std::size_t comma = x3dh->find(',');
  if (!versions || comma == std::string_view::npos) return fail;
  auto key1 = crypto::decode_public_key_str(x3dh->substr(0, comma), crypto::kDhX448);
  auto key2 = crypto::decode_public_key_str(x3dh->substr(comma + 1), crypto::kDhX448);
  if (!key1 || !key2) return fail;
  return E2ERatchetParamsUri{*versions, *key1, *key2};
}

E2ERatchetParamsUri to_uri(const E2ERatchetParams& params, enc::VersionRange versions) {
  return E2ERatchetParamsUri{versions, params.key1, params.key2};
}

std::optional<E2ERatchetParams> compatible_params(const E2ERatchetParamsUri& offered,
                                                  enc::VersionRange ours) {
  auto version = enc::compatible_version(offered.versions, ours);
  if (!version) return std::nullopt;
  return E2ERatchetParams{*version, offered.key1, offered.key2};
}

E2EParamsKeys generate_e2e_params(enc::Version version, const KeyGenerator& keygen) {
  crypto::KeyPair pair1 = keygen();
  crypto::KeyPair pair2 = keygen();
  return E2EParamsKeys{std::move(pair1.private_key), std::move(pair2.private_key),
                       E2ERatchetParams{version, pair1.public_key, pair2.public_key}};
}

}  // namespace smp::agent
