#include "smp/encoding/base64.h"

#include <algorithm>
#include <array>
#include <optional>

namespace smp::enc {
namespace {

constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kInvalid = 0xff;
constexpr std::uint8_t kPad = 0xfe;

using DecodeTable = std::array<std::uint8_t, 256>;

constexpr DecodeTable make_table(std::string_view alphabet) {
  DecodeTable t{};
  for (auto& v : t) v = kInvalid;
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  t['='] = kPad;
  return t;
}

constexpr DecodeTable kUrlTable = make_table(kUrlAlphabet);
constexpr DecodeTable kStdTable = make_table(kStdAlphabet);

void encode_append(std::string& out, ByteView data, std::string_view alphabet) {
  std::size_t at = out.size();
  out.resize(at + (data.size() + 2) / 3 * 4);
  char* o = out.data() + at;
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t w = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    *o++ = alphabet[(w >> 18) & 63];
    *o++ = alphabet[(w >> 12) & 63];
    *o++ = alphabet[(w >> 6) & 63];
    *o++ = alphabet[w & 63];
  }
  std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t w = std::uint32_t{data[i]} << 16;
    if (rest == 2) w |= std::uint32_t{data[i + 1]} << 8;
    *o++ = alphabet[(w >> 18) & 63];
    *o++ = alphabet[(w >> 12) & 63];
    *o++ = rest == 2 ? alphabet[(w >> 6) & 63] : '=';
    *o++ = '=';
  }
}

std::string encode(ByteView data, std::string_view alphabet) {
  std::string out;
  encode_append(out, data, alphabet);
  return out;
}

// Decodes text whose length is a multiple of 4 (base64-bytestring's padded decode loop):
// '=' may appear only as "x=" or "==" at the very end, and the bits a short final group
// leaves over must be zero (the canonical-encoding check). The spec digest says the reference
// does not check those bits, but its vectors show it does: the strP errors recorded for
// "YW+/" and "YW Jj" are "non-canonical encoding detected" on the token "YW". The same
// library version is the one that refuses "YQ=" (≡ 3 ending in '='), a rule the spec keeps.
// `text` as if followed by `pad` '=' characters (so unpadded input needs no copy).
// Writes at most (text.size() + pad) / 4 * 3 bytes to `out` and returns how many it wrote.
Result<std::size_t> decode_padded_to(std::string_view text, const DecodeTable& table,
                                     std::size_t pad, std::uint8_t* out) {
  const auto fail = make_error_code(errc::bad_base64);
  const std::size_t size = text.size() + pad;
  if (size == 0) return std::size_t{0};
  std::uint8_t* o = out;
  // Every group but the last: four alphabet characters (no '=' allowed).
  std::size_t i = 0;
  for (; i + 4 < size; i += 4) {
    const std::uint8_t a = table[static_cast<unsigned char>(text[i])];
    const std::uint8_t b = table[static_cast<unsigned char>(text[i + 1])];
    const std::uint8_t c = table[static_cast<unsigned char>(text[i + 2])];
    const std::uint8_t d = table[static_cast<unsigned char>(text[i + 3])];
    if (((a | b | c | d) & 0xc0) != 0) return fail;  // kInvalid or kPad
    const std::uint32_t w = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                            (std::uint32_t{c} << 6) | d;
    *o++ = static_cast<std::uint8_t>(w >> 16);
    *o++ = static_cast<std::uint8_t>(w >> 8);
    *o++ = static_cast<std::uint8_t>(w);
  }
  // The last group, with the '=' (given or implied by `pad`) allowed only at its end.
  std::uint8_t q[4];
  for (std::size_t j = 0; j < 4; ++j) {
    q[j] = i + j < text.size() ? table[static_cast<unsigned char>(text[i + j])] : kPad;
  }
  const bool pad2 = q[2] == kPad && q[3] == kPad;
  const bool pad1 = q[2] != kPad && q[3] == kPad;
  for (std::size_t j = 0; j < 4; ++j) {
    const bool pad_allowed = (j == 2 && pad2) || (j == 3 && (pad1 || pad2));
    if (q[j] == kInvalid || (q[j] == kPad && !pad_allowed)) return fail;
  }
  std::uint32_t w = (std::uint32_t{q[0]} << 18) | (std::uint32_t{q[1]} << 12);
  *o++ = static_cast<std::uint8_t>(w >> 16);
  if (pad2) {
    if ((q[1] & 0x0f) != 0) return fail;
    return static_cast<std::size_t>(o - out);
  }
  w |= std::uint32_t{q[2]} << 6;
  *o++ = static_cast<std::uint8_t>(w >> 8);
  if (pad1) {
    if ((q[2] & 0x03) != 0) return fail;
    return static_cast<std::size_t>(o - out);
  }
  w |= q[3];
  *o++ = static_cast<std::uint8_t>(w);
  return static_cast<std::size_t>(o - out);
}

// Upper bound of what decode_padded_to writes.
std::size_t decoded_capacity(std::size_t text_size, std::size_t pad) {
  return (text_size + pad) / 4 * 3;
}

Result<Bytes> decode_padded(std::string_view text, const DecodeTable& table,
                            std::size_t pad = 0) {
  Bytes out(decoded_capacity(text.size(), pad));
  auto n = decode_padded_to(text, table, pad, out.data());
  if (!n) return n.error();
  out.resize(*n);
  return out;
}

// base64url's padding rule (see b64url_decode): how many '=' to imply, or nullopt to refuse.
std::optional<std::size_t> b64url_implied_pad(std::string_view text) {
  switch (text.size() % 4) {
    case 0:
      return 0;
    case 2:
      return 2;
    case 3:
      if (text.back() == '=') return std::nullopt;
      return 1;
    default:
      return std::nullopt;
  }
}

// Which bytes a token may hold: Latin-1 alphanumerics plus two extra characters.
using TokenTable = std::array<bool, 256>;

// Data.Char.isAlphaNum on a Latin-1 character (the reference scans Char8 text with it):
// ASCII letters and digits plus the Latin-1 letters and numeric signs.
constexpr bool is_latin1_alnum(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  switch (c) {
    case 0xaa: case 0xb2: case 0xb3: case 0xb5: case 0xb9: case 0xba:
    case 0xbc: case 0xbd: case 0xbe:
      return true;
    default:
      return c >= 0xc0 && c != 0xd7 && c != 0xf7;
  }
}

constexpr TokenTable make_token_table(char extra1, char extra2) {
  TokenTable t{};
  for (std::size_t c = 0; c < t.size(); ++c) {
    t[c] = is_latin1_alnum(static_cast<unsigned char>(c));
  }
  t[static_cast<unsigned char>(extra1)] = true;
  t[static_cast<unsigned char>(extra2)] = true;
  return t;
}

constexpr TokenTable kUrlTokenTable = make_token_table('-', '_');
constexpr TokenTable kStdTokenTable = make_token_table('+', '/');

// Splits `[alnum extra]+ '='*` off the front of `in`; empty when there is no token.
std::string_view scan_token(std::string_view in, const TokenTable& allowed) {
  std::size_t n = 0;
  while (n < in.size() && allowed[static_cast<unsigned char>(in[n])]) ++n;
  if (n == 0) return {};
  while (n < in.size() && in[n] == '=') ++n;
  return in.substr(0, n);
}

template <class Decode>
Result<Bytes> parse_token(std::string_view& in, const TokenTable& allowed, Decode decode) {
  std::string_view token = scan_token(in, allowed);
  if (token.empty()) return make_error_code(errc::bad_base64);
  auto r = decode(token);
  if (r) in.remove_prefix(token.size());
  return r;
}

}  // namespace

std::string b64url_encode(ByteView data) { return encode(data, kUrlAlphabet); }

void b64url_encode_append(std::string& out, ByteView data) {
  encode_append(out, data, kUrlAlphabet);
}

std::string b64_encode(ByteView data) { return encode(data, kStdAlphabet); }

Result<Bytes> b64url_decode(std::string_view text) {
  auto pad = b64url_implied_pad(text);
  if (!pad) return make_error_code(errc::bad_base64);
  return decode_padded(text, kUrlTable, *pad);
}

Result<Bytes> b64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return make_error_code(errc::bad_base64);
  return decode_padded(text, kStdTable);
}

Result<Bytes> parse_b64url_token(std::string_view& in) {
  return parse_token(in, kUrlTokenTable, b64url_decode);
}

Result<std::size_t> parse_b64url_token_into(std::string_view& in, std::span<std::uint8_t> out) {
  std::string_view token = scan_token(in, kUrlTokenTable);
  if (token.empty()) return make_error_code(errc::bad_base64);
  auto pad = b64url_implied_pad(token);
  if (!pad) return make_error_code(errc::bad_base64);
  std::size_t n = 0;
  if (decoded_capacity(token.size(), *pad) <= out.size()) {
    auto r = decode_padded_to(token, kUrlTable, *pad, out.data());
    if (!r) return r.error();
    n = *r;
  } else {  // too long for `out`, unless padding shortens it: decode aside
    auto r = decode_padded(token, kUrlTable, *pad);
    if (!r) return r.error();
    n = r->size();
    if (n <= out.size()) std::copy(r->begin(), r->end(), out.begin());
  }
  in.remove_prefix(token.size());
  return n;
}

Result<Bytes> parse_b64_token(std::string_view& in) {
  return parse_token(in, kStdTokenTable, b64_decode);
}

}  // namespace smp::enc
