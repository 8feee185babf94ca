#include "smp/agent/agent_error.h"

#include <array>
#include <optional>
#include <utility>

#include "smp/common/overloaded.h"
#include "smp/encoding/haskell_string.h"
#include "smp/protocol/error_type.h"

namespace smp::agent {
namespace {

// Token tables: each is used both ways.
constexpr std::array<std::pair<CommandErrorType, std::string_view>, 5> kCommandErrors = {{
    {CommandErrorType::prohibited, "PROHIBITED"},
    {CommandErrorType::syntax, "SYNTAX"},
    {CommandErrorType::no_conn, "NO_CONN"},
    {CommandErrorType::size, "SIZE"},
    {CommandErrorType::large, "LARGE"},
}};
constexpr std::array<std::pair<ConnectionErrorType, std::string_view>, 3> kConnectionErrors = {{
    {ConnectionErrorType::not_found, "NOT_FOUND"},
    {ConnectionErrorType::duplicate, "DUPLICATE"},
    {ConnectionErrorType::simplex, "SIMPLEX"},
}};
constexpr std::array<std::pair<PeerErrorType, std::string_view>, 4> kPeerErrors = {{
    {PeerErrorType::a_message, "A_MESSAGE"},
    {PeerErrorType::a_prohibited, "A_PROHIBITED"},
    {PeerErrorType::a_version, "A_VERSION"},
    {PeerErrorType::a_encryption, "A_ENCRYPTION"},
}};
constexpr std::array<std::pair<BrokerErrorKind, std::string_view>, 3> kBrokerBare = {{
    {BrokerErrorKind::unexpected, "UNEXPECTED"},
    {BrokerErrorKind::network, "NETWORK"},
    {BrokerErrorKind::timeout, "TIMEOUT"},
}};
constexpr std::array<std::pair<TransportErrorType, std::string_view>, 6> kTransportErrors = {{
    {TransportErrorType::block, "BLOCK"},
    {TransportErrorType::large_msg, "LARGE_MSG"},
    {TransportErrorType::session, "SESSION"},
    {TransportErrorType::parse, "PARSE"},
    {TransportErrorType::version, "VERSION"},
    {TransportErrorType::identity, "IDENTITY"},
}};

constexpr std::string_view kCmd = "CMD ";
constexpr std::string_view kConn = "CONN ";
constexpr std::string_view kSmp = "SMP ";
constexpr std::string_view kBroker = "BROKER ";
constexpr std::string_view kResponse = "RESPONSE ";
constexpr std::string_view kTransport = "TRANSPORT ";
constexpr std::string_view kAgent = "AGENT ";
constexpr std::string_view kInternal = "INTERNAL ";

template <class E, std::size_t N>
std::string_view token(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, t] : table) {
    if (v == value) return t;
  }
  return table[0].second;  // unreachable for valid enum values
}

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view text) {
  for (const auto& [v, t] : table) {
    if (t == text) return v;
  }
  return std::nullopt;
}

bool strip(std::string_view& in, std::string_view prefix) {
  if (!in.starts_with(prefix)) return false;
  in.remove_prefix(prefix.size());
  return true;
}

std::optional<errc> smp_error(std::string_view text) {
  return protocol::parse_error_type(as_bytes(text));
}

std::string encode_broker(const BrokerError& e) {
  std::string out(kBroker);
  switch (e.kind) {
    case BrokerErrorKind::response:
      return out.append(kResponse).append(protocol::error_type_text(e.response));
    case BrokerErrorKind::transport:
      return out.append(kTransport).append(token(kTransportErrors, e.transport));
    default:
      return out.append(token(kBrokerBare, e.kind));
  }
}

std::optional<AgentError> parse_broker(std::string_view in) {
  if (strip(in, kResponse)) {
    if (auto e = smp_error(in)) return broker_response(*e);
    return std::nullopt;
  }
  if (strip(in, kTransport)) {
    if (auto t = lookup(kTransportErrors, in)) return broker_transport(*t);
    return std::nullopt;
  }
  if (auto k = lookup(kBrokerBare, in)) return BrokerError{*k};
  return std::nullopt;
}

}  // namespace

std::string encode_agent_error(const AgentError& error) {
  return std::visit(
      Overloaded{
          [](const CmdError& e) { return std::string(kCmd).append(token(kCommandErrors, e.type)); },
          [](const ConnError& e) {
            return std::string(kConn).append(token(kConnectionErrors, e.type));
          },
          [](const SmpError& e) {
            return std::string(kSmp).append(protocol::error_type_text(e.type));
          },
          [](const BrokerError& e) { return encode_broker(e); },
          [](const PeerError& e) { return std::string(kAgent).append(token(kPeerErrors, e.type)); },
          [](const InternalError& e) {
            return std::string(kInternal).append(enc::show_string_utf8(e.text));
          },
      },
      error);
}

Result<AgentError> parse_agent_error(std::string_view in) {
  std::optional<AgentError> out;
  if (strip(in, kCmd)) {
    if (auto t = lookup(kCommandErrors, in)) out = CmdError{*t};
  } else if (strip(in, kConn)) {
    if (auto t = lookup(kConnectionErrors, in)) out = ConnError{*t};
  } else if (strip(in, kSmp)) {
    if (auto e = smp_error(in)) out = SmpError{*e};
  } else if (strip(in, kBroker)) {
    out = parse_broker(in);
  } else if (strip(in, kAgent)) {
    if (auto t = lookup(kPeerErrors, in)) out = PeerError{*t};
  } else if (strip(in, kInternal)) {
    if (auto text = enc::read_string_utf8(in)) out = InternalError{std::move(*text)};
  }
  if (!out) return make_error_code(errc::bad_syntax);
  return std::move(*out);
}

AgentError crypto_agent_error(errc e) {
  switch (e) {
    case errc::crypto_large_msg:
      return CmdError{CommandErrorType::large};
    case errc::crypto_header:
    case errc::aes_decrypt:
    case errc::cb_decrypt:
      return PeerError{PeerErrorType::a_encryption};
    default:
      return InternalError{std::string(errc_name(e))};
  }
}

}  // namespace smp::agent
