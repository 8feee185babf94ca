#include "smp/encoding/haskell_string.h"

#include <array>
#include <optional>

#include "smp/common/try.h"

namespace smp::enc {
namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kDel = 0x7F;
constexpr char32_t kSo = 0x0E;

// GHC's asciiTab: names of the control characters 0..31 and of the space.
constexpr std::array<std::string_view, 33> kAsciiNames = {
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT",  "LF",
    "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
    "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US",  "SP"};

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

// Haskell's isSpace on Latin-1, which is what a string gap may contain.
bool is_space(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xA0;
}

std::optional<char32_t> single_escape(char32_t c) {
  switch (c) {
    case 'n':
      return U'\n';
    case 'r':
      return U'\r';
    case 't':
      return U'\t';
    case 'a':
      return U'\a';
    case 'b':
      return U'\b';
    case 'f':
      return U'\f';
    case 'v':
      return U'\v';
    default:
      return std::nullopt;
  }
}

char letter_escape(char32_t c) {
  switch (c) {
    case U'\a':
      return 'a';
    case U'\b':
      return 'b';
    case U'\f':
      return 'f';
    case U'\n':
      return 'n';
    case U'\r':
      return 'r';
    case U'\t':
      return 't';
    case U'\v':
      return 'v';
    default:
      return 0;
  }
}

int digit_value(char c, int base) {
  int v = -1;
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  return v < base ? v : -1;
}

// Digits of `base` from the front of `in` (greedy, at least one), value ≤ kMaxCodePoint.
std::optional<char32_t> numeric(std::string_view& in, int base) {
  std::uint32_t value = 0;
  std::size_t n = 0;
  for (; n < in.size(); ++n) {
    int d = digit_value(in[n], base);
    if (d < 0) break;
    value = value * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
    if (value > kMaxCodePoint) return std::nullopt;
  }
  if (n == 0) return std::nullopt;
  in.remove_prefix(n);
  return static_cast<char32_t>(value);
}

std::optional<char32_t> ascii_name(std::string_view& in) {
  // Maximal munch: \SOH before \SO (Haskell report §2.6).
  std::optional<char32_t> best;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < kAsciiNames.size(); ++i) {
    std::string_view name = kAsciiNames[i];
    if (in.starts_with(name) && name.size() > best_len) {
      best = static_cast<char32_t>(i == 32 ? ' ' : i);
      best_len = name.size();
    }
  }
  if (in.starts_with("DEL") && 3 > best_len) {
    best = kDel;
    best_len = 3;
  }
  if (best) in.remove_prefix(best_len);
  return best;
}

// After a backslash: one escaped character, nullopt for \& and a string gap (which produce
// nothing), or an error.
Result<std::optional<char32_t>> escape(std::string_view& in) {
  const auto bad = make_error_code(errc::bad_syntax);
  if (in.empty()) return bad;
  char c = in.front();
  if (c == '&') {
    in.remove_prefix(1);
    return std::optional<char32_t>{};
  }
  if (is_space(c)) {
    while (!in.empty() && is_space(in.front())) in.remove_prefix(1);
    if (in.empty() || in.front() != '\\') return bad;
    in.remove_prefix(1);
    return std::optional<char32_t>{};
  }
  if (auto e = single_escape(static_cast<unsigned char>(c))) {
    in.remove_prefix(1);
    return std::optional<char32_t>{*e};
  }
  if (c == '\\' || c == '"' || c == '\'') {
    in.remove_prefix(1);
    return std::optional<char32_t>{static_cast<char32_t>(c)};
  }
  std::optional<char32_t> v;
  if (c >= '0' && c <= '9') {
    v = numeric(in, 10);
  } else if (c == 'o' || c == 'O' || c == 'x' || c == 'X') {
    in.remove_prefix(1);
    v = numeric(in, c == 'o' || c == 'O' ? 8 : 16);
  } else if (c == '^') {
    if (in.size() < 2 || in[1] < '@' || in[1] > '_') return bad;
    v = static_cast<char32_t>(in[1] - '@');
    in.remove_prefix(2);
  } else {
    v = ascii_name(in);
  }
  if (!v) return bad;
  return std::optional<char32_t>{*v};
}

}  // namespace

std::string show_string(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    const bool next_is = i + 1 < text.size();
    if (c == '"') {
      out += "\\\"";
    } else if (c > kDel) {
      out += '\\';
      out += std::to_string(static_cast<std::uint32_t>(c));
      if (next_is && is_digit(text[i + 1])) out += "\\&";
    } else if (c == kDel) {
      out += "\\DEL";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= ' ') {
      out += static_cast<char>(c);
    } else if (char l = letter_escape(c)) {
      out += '\\';
      out += l;
    } else {
      out += '\\';
      out += kAsciiNames[c];
      if (c == kSo && next_is && text[i + 1] == 'H') out += "\\&";
    }
  }
  out += '"';
  return out;
}

std::string show_string_utf8(std::string_view utf8) {
  return show_string(decode_utf8_lenient(utf8));
}

std::string show_latin1(ByteView bytes) {
  std::u32string text(bytes.begin(), bytes.end());
  return show_string(text);
}

Result<std::u32string> read_string(std::string_view in) {
  const auto bad = make_error_code(errc::bad_syntax);
  if (in.empty() || in.front() != '"') return bad;
  in.remove_prefix(1);
  std::u32string out;
  while (!in.empty()) {
    char c = in.front();
    in.remove_prefix(1);
    if (c == '"') {
      if (!in.empty()) return make_error_code(errc::trailing_bytes);
      return out;
    }
    if (c != '\\') {
      out += static_cast<char32_t>(static_cast<unsigned char>(c));
      continue;
    }
    auto e = escape(in);
    if (!e) return e.error();
    if (*e) out += **e;
  }
  return bad;  // no closing quote
}

Result<std::string> read_string_utf8(std::string_view literal) {
  SMP_TRY(std::u32string text, read_string(literal));
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  auto byte = [&](std::uint32_t v) { out += static_cast<char>(static_cast<unsigned char>(v)); };
  const auto v = static_cast<std::uint32_t>(cp);
  if (v < 0x80) {
    byte(v);
  } else if (v < 0x800) {
    byte(0xC0 | (v >> 6));
    byte(0x80 | (v & 0x3F));
  } else if (v < 0x10000) {
    byte(0xE0 | (v >> 12));
    byte(0x80 | ((v >> 6) & 0x3F));
    byte(0x80 | (v & 0x3F));
  } else {
    byte(0xF0 | (v >> 18));
    byte(0x80 | ((v >> 12) & 0x3F));
    byte(0x80 | ((v >> 6) & 0x3F));
    byte(0x80 | (v & 0x3F));
  }
}

std::u32string decode_utf8_lenient(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  auto at = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(utf8[i]));
  };
  std::size_t i = 0;
  while (i < utf8.size()) {
    const std::uint32_t b = at(i);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xE  ? 3
                      : (b >> 3) == 0x1E ? 4
                                         : 0;
    std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len != 0 && i + len <= utf8.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      if ((at(i + k) & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (at(i + k) & 0x3F);
    }
    // Shortest form only, and nothing beyond U+10FFFF.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > kMaxCodePoint)) ok = false;
    if (!ok) {
      out += static_cast<char32_t>(b);
      i += 1;
      continue;
    }
    out += static_cast<char32_t>(cp);
    i += len;
  }
  return out;
}

}  // namespace smp::enc
