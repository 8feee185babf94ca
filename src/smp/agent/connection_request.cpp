#include "smp/agent/connection_request.h"

#include "smp/encoding/key_string.h"
#include "smp/encoding/query_string.h"

namespace smp::agent {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr std::string_view kSimplex = "simplex:";
constexpr std::string_view kInvitation = "invitation";
constexpr std::string_view kContact = "contact";
constexpr std::string_view kQueryStart = "#/?";

bool skip(std::string_view& in, std::string_view literal) {
  if (!in.starts_with(literal)) return false;
  in.remove_prefix(literal.size());
  return true;
}

// The reference's NonEmpty strP: items split on ',', each parsed as a whole; no empty item.
template <class Decode>
auto decode_comma_list(std::string_view text, Decode decode)
    -> std::optional<std::vector<typename decltype(decode(text))::value_type>> {
  std::vector<typename decltype(decode(text))::value_type> out;
  while (true) {
    std::size_t comma = text.find(',');
    auto item = decode(text.substr(0, comma));
    if (!item) return std::nullopt;
    out.push_back(std::move(item).value());
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

std::optional<ConnReqScheme> parse_scheme(std::string_view& in) {
  if (skip(in, kSimplex)) return ConnReqScheme::simplex();
  if (!skip(in, kHttps)) return std::nullopt;
  auto loc = protocol::parse_srv_loc(in);
  if (!loc) return std::nullopt;
  return ConnReqScheme{std::move(loc).value()};
}

std::optional<ConnectionMode> parse_mode(std::string_view& in) {
  if (skip(in, kInvitation)) return ConnectionMode::invitation;
  if (skip(in, kContact)) return ConnectionMode::contact;
  return std::nullopt;
}

std::optional<enc::VersionRange> version_param(const enc::QueryParams& q, std::string_view name) {
  auto v = enc::query_param(q, name);
  if (!v) return std::nullopt;
  auto range = enc::decode_version_range(*v);
  if (!range) return std::nullopt;
  return range.value();
}

std::string str_encode_queues(const std::vector<protocol::SmpQueueUri>& queues) {
  std::string out;
  for (const auto& q : queues) {
    if (!out.empty()) out += ',';
    out += protocol::str_encode(q);
  }
  return out;
}

}  // namespace

std::string str_encode(const ConnReqScheme& scheme) {
  if (!scheme.app_server) return std::string(kSimplex);
  return std::string(kHttps) + protocol::str_encode(*scheme.app_server);
}

std::string str_encode(const E2eParamsUri& params) {
  return enc::render_query({{"v", enc::str_encode(params.versions)},
                            {"x3dh", enc::str_encode(params.key1) + "," + enc::str_encode(params.key2)}},
                           enc::Escaping::none);
}

Result<E2eParamsUri> decode_e2e_params_uri(std::string_view text) {
  const auto fail = make_error_code(errc::bad_uri);
  enc::QueryParams query = enc::parse_query(text);
  if (!text.empty()) return fail;
  auto versions = version_param(query, "v");
  auto x3dh = enc::query_param(query, "x3dh");
  if (!versions || !x3dh) return fail;
  auto keys = decode_comma_list(*x3dh, [](std::string_view item) {
    return enc::decode_public_key_str(item, crypto::kDhX448);
  });
  if (!keys || keys->size() != 2) return fail;
  return E2eParamsUri{*versions, (*keys)[0], (*keys)[1]};
}

Result<std::string> str_encode(const ConnectionRequest& request) {
  const bool invitation = request.mode == ConnectionMode::invitation;
  if (request.queues.empty() || invitation != request.e2e.has_value())
    return make_error_code(errc::bad_uri);
  enc::QueryParams query = {{"v", enc::str_encode(request.agent_versions)},
                            {"smp", str_encode_queues(request.queues)}};
  if (request.e2e) query.emplace_back("e2e", str_encode(*request.e2e));
  return str_encode(request.scheme) + "/" +
         std::string(invitation ? kInvitation : kContact) + std::string(kQueryStart) +
         enc::render_query(query, enc::Escaping::escape);
}

Result<ConnectionRequest> parse_connection_request(std::string_view& in) {
  const auto fail = make_error_code(errc::bad_uri);
  std::string_view rest = in;
  auto scheme = parse_scheme(rest);
  if (!scheme || !skip(rest, "/")) return fail;
  auto mode = parse_mode(rest);
  if (!mode) return fail;
  skip(rest, "/");
  if (!skip(rest, kQueryStart)) return fail;
  enc::QueryParams query = enc::parse_query(rest);

  auto versions = version_param(query, "v");
  auto smp = enc::query_param(query, "smp");
  if (!versions || !smp) return fail;
  auto queues = decode_comma_list(*smp, protocol::decode_queue_uri);
  if (!queues) return fail;
  ConnectionRequest request{*mode, std::move(*scheme), *versions, std::move(*queues), std::nullopt};
  if (*mode == ConnectionMode::invitation) {
    auto e2e = enc::query_param(query, "e2e");
    if (!e2e) return fail;
    auto params = decode_e2e_params_uri(*e2e);
    if (!params) return fail;
    request.e2e = std::move(params).value();
  }
  in = rest;
  return request;
}

Result<ConnectionRequest> decode_connection_request(std::string_view text) {
  auto request = parse_connection_request(text);
  if (request && !text.empty()) return make_error_code(errc::bad_uri);
  return request;
}

}  // namespace smp::agent
