// SecretScan: looks for secrets (queue ids, keys, message ids and bodies) in the text a
// program printed or logged, in every spelling a log line could carry them: the raw bytes,
// hex (lower and upper case), and base64url and standard base64 at each of the three byte
// alignments a secret can have inside a longer encoded value (e.g. a key inside its DER).
// Used by the privacy tests of the server and the agent.
//
// Secrets shorter than kMinSecretSize bytes are refused (they would match by chance).
// A value type; const calls may run concurrently, add() needs outside locking.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "smp/common/bytes.h"

namespace smp::test {

struct SecretHit {
  std::string label;   // what the secret is ("recipient id 3")
  std::string form;    // how it was spelled ("hex", "base64url+1", "raw", ...)
  std::string source;  // where it was found (a file name)
  std::size_t offset;  // byte offset in that source
};

class SecretScan {
 public:
  static constexpr std::size_t kMinSecretSize = 8;

  // Adds a secret; returns false (and adds nothing) when it is shorter than kMinSecretSize.
  bool add(std::string label, ByteView secret);
  bool add(std::string label, std::string_view text) { return add(std::move(label), as_bytes(text)); }

  std::size_t size() const { return secrets_.size(); }

  // Every occurrence of every spelling of every secret in `text`.
  std::vector<SecretHit> find_in(std::string_view text, std::string_view source) const;
  // The same over whole files (an unreadable file is reported as a hit with form "unreadable").
  std::vector<SecretHit> find_in_files(const std::vector<std::filesystem::path>& files) const;

 private:
  struct Spelling {
    std::string label;
    std::string form;
    std::string text;
  };
  std::vector<Spelling> secrets_;
};

// The spellings of one secret, as (form, text) pairs; exposed for tests of the scan itself.
std::vector<std::pair<std::string, std::string>> spellings_of(ByteView secret);

// One line per hit, for a test failure message.
std::string describe(const std::vector<SecretHit>& hits);

}  // namespace smp::test
