#include "smp/protocol/queue_uri.h"

#include <optional>

#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"
#include "smp/encoding/version.h"

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

struct Fragment {
  enc::VersionRange versions;
  crypto::PublicKey dh_key;
  std::optional<QueueMode> queue_mode;
};

// q=m / q=c, or else k=s (a messaging queue, the client versions 3's flag).
std::optional<QueueMode> queue_mode_param(const enc::QueryParams& query) {
  auto q = enc::query_param(query, "q");
  if (q == "m") return QueueMode::messaging;
  if (q == "c") return QueueMode::contact;
  if (enc::query_param(query, "k") == "s") return QueueMode::messaging;
  return std::nullopt;
}

// After '#': either a bare key ending the text (short form), or an optional key followed by
// an optional '/' and a query with v= and, when no key came before, dh=.
std::optional<Fragment> parse_fragment(std::string_view in) {
  std::string_view rest = in;
  std::optional<crypto::PublicKey> key = dh_key(rest);
  if (key && rest.empty()) return Fragment{kShortQueueUriVersions, *key, std::nullopt};

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
  return Fragment{versions.value(), *key, queue_mode_param(query)};
}

}  // namespace

std::string str_encode(const SmpQueueUri& uri) {
  return str_encode(uri.server) + "/" + enc::b64url_encode(uri.sender_id) + "#" +
         crypto::str_encode(uri.dh_public_key);
}

std::string str_encode_versioned(const SmpQueueUri& uri) {
  enc::QueryParams query{{"v", enc::str_encode(uri.client_versions)},
                         {"dh", crypto::str_encode(uri.dh_public_key)}};
  if (uri.queue_mode) query.emplace_back("q", uri.queue_mode == QueueMode::messaging ? "m" : "c");
  if (uri.queue_mode == QueueMode::messaging &&
      uri.client_versions.min() < kShortLinksClientVersion) {
    query.emplace_back("k", "s");
  }
  // With one host the reference's legacy server encoding (client versions from 1) and the
  // current one are the same text.
  return str_encode(uri.server) + "/" + enc::b64url_encode(uri.sender_id) + "#/?" +
         enc::render_query(query, enc::Escaping::escape);
}

Result<SmpQueueUri> decode_queue_uri(std::string_view text) {
  const auto fail = make_error_code(errc::bad_uri);
  auto server = parse_smp_server(text);
  // A queue's server is named without basic auth: the reference refuses
  // smp://fp:password@host here ("ProtocolServer with basic auth not allowed").
  if (!server || !server->password.empty() || !skip(text, '/')) return fail;
  auto sender_id = enc::parse_b64url_token(text);
  if (!sender_id) return fail;
  skip(text, '/');
  if (!skip(text, '#')) return fail;
  auto fragment = parse_fragment(text);
  if (!fragment) return fail;
  return SmpQueueUri{std::move(server).value(), std::move(sender_id).value(),
                     fragment->versions, fragment->dh_key, fragment->queue_mode};
}

}  // namespace smp::protocol
