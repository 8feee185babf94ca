#include "smp/protocol/queue_uri.h"

#include <optional>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"

namespace smp::protocol {
namespace {

bool skip(std::string_view& in, char c) {
  if (in.empty() || in.front() != c) return false;
  in.remove_prefix(1);
  return true;
}

std::optional<crypto::PublicKey> dh_key(std::string_view& in) {
  auto key = crypto::parse_public_key(in, crypto::kDhX25519);
  if (!key) return std::nullopt;
  return key.value();
}

// After '#': either a bare key ending the text (short form), or an optional key followed by
// an optional '/' and a query with v= and, when no key came before, dh=.
std::optional<std::pair<enc::VersionRange, crypto::PublicKey>> parse_fragment(std::string_view in) {
  std::string_view rest = in;
  std::optional<crypto::PublicKey> key = dh_key(rest);
  if (key && rest.empty()) return std::pair{kShortQueueUriVersions, *key};

  skip(rest, '/');
  if (!skip(rest, '?')) return std::nullopt;
  enc::QueryParams query = enc::parse_query(rest);
  if (!rest.empty()) return std::nullopt;

  auto v = enc::query_param(query, "v");
  if (!v) return std::nullopt;
  auto versions = enc::decode_version_range(*v);
  if (!versions) return std::nullopt;
  if (!key) {
    auto dh = enc::query_param(query, "dh");
    if (!dh) return std::nullopt;
    auto k = crypto::decode_public_key_str(*dh, crypto::kDhX25519);
    if (!k) return std::nullopt;
    key = k.value();
  }
  return std::pair{versions.value(), *key};
}

}  // namespace

std::string str_encode(const SmpQueueUri& uri) {
  return str_encode(uri.server) + "/" + enc::b64url_encode(uri.sender_id) + "#" +
         crypto::str_encode(uri.dh_public_key);
}

Result<SmpQueueUri> decode_queue_uri(std::string_view text) {
  const auto fail = make_error_code(errc::bad_uri);
  auto server = parse_smp_server(text);
  if (!server || !skip(text, '/')) return fail;
  auto sender_id = enc::parse_b64url_token(text);
  if (!sender_id) return fail;
  skip(text, '/');
  if (!skip(text, '#')) return fail;
  auto fragment = parse_fragment(text);
  if (!fragment) return fail;
  return SmpQueueUri{std::move(server).value(), std::move(sender_id).value(), fragment->first,
                     fragment->second};
}

}  // namespace smp::protocol
