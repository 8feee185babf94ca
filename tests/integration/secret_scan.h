// SecretScan: the privacy check of the process-level tests. A test registers what must never
// reach a log (queue ids, keys, connection ids, message bodies and connection info), and
// scan() lists every registered item found in a text, in any of the forms a careless log line
// would print it: as is, hex (either case), base64url and standard base64. Items shorter
// than 8 bytes are refused (they would match by chance). Not thread-safe.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "smp/common/bytes.h"
#include "smp/encoding/base64.h"

namespace smp::test {

class SecretScan {
 public:
  // `label` names the item in findings.
  void add(std::string_view label, ByteView secret) {
    if (secret.size() < 8) {
      ADD_FAILURE() << "SecretScan: `" << label << "` is too short to scan for";
      return;
    }
    std::string raw(as_chars(secret));
    std::string hex = to_hex(secret);
    std::string upper = hex;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // Without padding: a log may cut it, and the padding says nothing.
    auto unpadded = [](std::string s) {
      while (!s.empty() && s.back() == '=') s.pop_back();
      return s;
    };
    for (std::string form : {raw, hex, upper, unpadded(enc::b64url_encode(secret)),
                             unpadded(enc::b64_encode(secret))}) {
      if (std::find(forms_.begin(), forms_.end(), Form{std::string(label), form}) == forms_.end()) {
        forms_.push_back({std::string(label), std::move(form)});
      }
    }
  }
  void add_text(std::string_view label, std::string_view secret) { add(label, as_bytes(secret)); }

  std::size_t size() const { return forms_.size(); }

  // The labels (with the form found) of every item `text` contains.
  std::vector<std::string> scan(std::string_view text) const {
    std::vector<std::string> found;
    for (const auto& f : forms_) {
      if (text.find(f.text) != std::string_view::npos) {
        found.push_back(f.label + " as `" + f.text.substr(0, 40) + "`");
      }
    }
    return found;
  }

 private:
  struct Form {
    std::string label;
    std::string text;
    friend bool operator==(const Form&, const Form&) = default;
  };
  std::vector<Form> forms_;
};

}  // namespace smp::test
