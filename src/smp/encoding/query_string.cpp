#include "smp/encoding/query_string.h"

namespace smp::enc {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::pair<std::string, std::string> parse_item(std::string_view item) {
  std::size_t eq = item.find('=');
  if (eq == std::string_view::npos) return {url_decode(item), std::string()};
  return {url_decode(item.substr(0, eq)), url_decode(item.substr(eq + 1))};
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_query(const QueryParams& params, Escaping escaping) {
  std::string out;
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) out += '&';
    first = false;
    out += url_encode(name);
    out += '=';
    out += escaping == Escaping::escape ? url_encode(value) : value;
  }
  return out;
}

QueryParams parse_query(std::string_view& in) {
  std::size_t end = in.find_first_of(" \n");
  if (end == std::string_view::npos) end = in.size();
  std::string_view text = in.substr(0, end);
  in.remove_prefix(end);

  if (!text.empty() && text.front() == '?') text.remove_prefix(1);
  QueryParams params;
  // As http-types: each separator ends an item (so "a&&b" has an empty middle item), and
  // a separator at the very end adds nothing.
  while (!text.empty()) {
    std::size_t sep = text.find_first_of("&;");
    if (sep == std::string_view::npos) sep = text.size();
    params.push_back(parse_item(text.substr(0, sep)));
    text.remove_prefix(sep == text.size() ? sep : sep + 1);
  }
  return params;
}

Result<QueryParams> decode_query(std::string_view text) {
  QueryParams params = parse_query(text);
  if (!text.empty()) return make_error_code(errc::trailing_bytes);
  return params;
}

std::optional<std::string_view> query_param(const QueryParams& params, std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

}  // namespace smp::enc
