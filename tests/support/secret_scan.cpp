#include "support/secret_scan.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "smp/encoding/base64.h"

namespace smp::test {

namespace {

std::string strip_padding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  return s;
}

}  // namespace

// Inside a longer base64 text the secret's own characters are stable only over whole 3-byte
// groups: starting 0, 1 or 2 bytes in, and stopping at the last whole group.
std::vector<std::pair<std::string, std::string>> spellings_of(ByteView secret) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("raw", std::string(as_chars(secret)));
  std::string hex = to_hex(secret);
  out.emplace_back("hex", hex);
  out.emplace_back("HEX", upper(hex));
  for (std::size_t skip = 0; skip < 3 && skip < secret.size(); ++skip) {
    std::size_t whole = (secret.size() - skip) / 3 * 3;
    if (whole == 0) continue;
    ByteView part = secret.subspan(skip, whole);
    std::string url_form = "base64url", std_form = "base64";
    if (skip > 0) {
      // Appended piece by piece: GCC 12 warns falsely on operator+ of strings.
      for (std::string* f : {&url_form, &std_form}) f->append("+").append(std::to_string(skip));
    }
    out.emplace_back(url_form, strip_padding(enc::b64url_encode(part)));
    out.emplace_back(std_form, strip_padding(enc::b64_encode(part)));
  }
  return out;
}

bool SecretScan::add(std::string label, ByteView secret) {
  if (secret.size() < kMinSecretSize) return false;
  for (auto& [form, text] : spellings_of(secret)) {
    secrets_.push_back(Spelling{label, form, std::move(text)});
  }
  return true;
}

std::vector<SecretHit> SecretScan::find_in(std::string_view text, std::string_view source) const {
  std::vector<SecretHit> hits;
  for (const Spelling& s : secrets_) {
    if (s.text.empty()) continue;
    for (auto at = text.find(s.text); at != std::string_view::npos; at = text.find(s.text, at + 1)) {
      hits.push_back(SecretHit{s.label, s.form, std::string(source), at});
    }
  }
  return hits;
}

std::vector<SecretHit> SecretScan::find_in_files(
    const std::vector<std::filesystem::path>& files) const {
  std::vector<SecretHit> hits;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      hits.push_back(SecretHit{"", "unreadable", file.string(), 0});
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto found = find_in(text.str(), file.string());
    hits.insert(hits.end(), found.begin(), found.end());
  }
  return hits;
}

std::string describe(const std::vector<SecretHit>& hits) {
  std::string out;
  for (const SecretHit& h : hits) {
    out.append(h.label).append(" as ").append(h.form).append(" in ").append(h.source);
    out.append(" at ").append(std::to_string(h.offset)).append("\n");
  }
  return out;
}

}  // namespace smp::test
