#include "output.h"

#include <cstdio>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace smp::cli {

void Output::emit(const boost::json::object& object, std::string_view text) const {
  if (json_) {
    std::string line = boost::json::serialize(object);
    std::fprintf(stdout, "%s\n", line.c_str());
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
}

int Output::fail(error_code ec, Stage stage, std::string_view endpoint) const {
  return fail(error_code_name(ec), describe_error(ec, stage, endpoint));
}

int Output::fail(std::string_view code, std::string_view message) const {
  if (json_) {
    boost::json::object o;
    o["ok"] = false;
    o["error"] = code;
    o["message"] = message;
    emit(o, {});
  } else {
    std::fprintf(stderr, "smp: error: %.*s\n", static_cast<int>(message.size()), message.data());
  }
  return 1;
}

std::string error_code_name(error_code ec) {
  if (ec.category() != smp_category()) return ec.message();
  auto e = static_cast<errc>(ec.value());
  switch (e) {
    case errc::network:
      return "network";
    case errc::timeout:
      return "timeout";
    case errc::tls_failure:
      return "tls_failure";
    case errc::connection_closed:
      return "connection_closed";
    case errc::bad_session:
      return "bad_session";
    case errc::handshake_parse:
      return "handshake_parse";
    case errc::handshake_version:
      return "handshake_version";
    case errc::handshake_identity:
      return "handshake_identity";
    case errc::transport_large_msg:
      return "transport_large_msg";
    case errc::unexpected_response:
      return "unexpected_response";
    case errc::response_parse:
      return "response_parse";
    case errc::store_corrupt:
      return "store_corrupt";
    case errc::io_error:
      return "io_error";
    case errc::bad_address:
      return "bad_address";
    case errc::bad_uri:
      return "bad_uri";
    case errc::cb_decrypt:
      return "cb_decrypt";
    default:
      return std::string(errc_name(e));  // the SMP tokens: AUTH, NO_MSG, ...
  }
}

std::string describe_error(error_code ec, Stage stage, std::string_view endpoint) {
  if (ec.category() != smp_category()) return ec.message();
  switch (static_cast<errc>(ec.value())) {
    case errc::network:
      return fmt::format("cannot connect to {} (nothing listening there, or the host is unknown)",
                         endpoint);
    case errc::timeout:
      return stage == Stage::connecting
                 ? fmt::format("{} did not complete the connection in time (is it an SMP server?)",
                               endpoint)
                 : fmt::format("no answer from {} in time", endpoint);
    case errc::tls_failure:
      return fmt::format(
          "TLS with {} failed: the server's identity does not match the fingerprint in the "
          "address (identity mismatch), or it is not an SMP server",
          endpoint);
    case errc::bad_session:
    case errc::handshake_parse:
    case errc::handshake_version:
    case errc::handshake_identity:
      return fmt::format("SMP handshake with {} failed ({})", endpoint,
                         errc_name(static_cast<errc>(ec.value())));
    case errc::connection_closed:
      return fmt::format("{} closed the connection", endpoint);
    case errc::smp_auth:
      return "server refused with AUTH: no such queue, or not the queue's key (the queue may be "
             "deleted, or secured for another sender)";
    case errc::smp_no_msg:
      return "server answered NO_MSG: there is no message to acknowledge";
    case errc::smp_quota:
      return "server answered QUOTA: the queue is full";
    case errc::smp_large_msg:
      return "message too large: at most 16088 bytes";
    case errc::store_corrupt:
      return "the key file is damaged or not an smp key file";
    case errc::io_error:
      return "cannot read or write the key file";
    case errc::bad_address:
      return "not a server address: expected smp://<fingerprint>@host[:port]";
    case errc::bad_uri:
      return "not a queue URI: expected smp://<fingerprint>@host[:port]/<sender id>#<key>";
    default:
      return fmt::format("{} ({})", ec.message(), stage == Stage::local ? "local" : endpoint);
  }
}

bool is_utf8(std::string_view bytes) {
  // Structure only (lead byte, continuation bytes); overlong forms are not looked for.
  std::size_t i = 0;
  while (i < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[i]);
    std::size_t extra = 0;
    if (c >= 0x80) {
      if ((c & 0xe0) == 0xc0) {
        extra = 1;
      } else if ((c & 0xf0) == 0xe0) {
        extra = 2;
      } else if ((c & 0xf8) == 0xf0) {
        extra = 3;
      } else {
        return false;
      }
    }
    if (extra > bytes.size() - i - 1) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace smp::cli
