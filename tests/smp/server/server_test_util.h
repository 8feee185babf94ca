// Helpers for the server store tests: deterministic queue records and a temporary directory
// removed at the end of the test. Not thread-safe.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "smp/common/error.h"
#include "support/temp_dir.h"
#include "smp/crypto/keys.h"
#include "smp/server/queue_record.h"

namespace smp::server::test {

// A distinct, random-looking id for each (seed, tag): splitmix64 is a bijection, so the first
// 8 bytes differ for different inputs; the tag keeps rid/sid/nid of one seed apart.
inline QueueId make_id(std::uint32_t seed, std::uint8_t tag) {
  std::uint64_t x = (std::uint64_t{seed} << 8 | tag) + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  x ^= x >> 31;
  QueueId id{};
  for (std::size_t i = 0; i < id.size(); ++i)
    id[i] = static_cast<std::uint8_t>(x >> (8 * (i % 8)));
  id[23] = tag;
  return id;
}

inline crypto::PublicKey make_key(std::uint32_t seed,
                                  crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::ed25519) {
  Bytes raw(crypto::public_key_size(alg));
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(seed + i * 13u);
  return crypto::PublicKey::from_raw(alg, raw).value();
}

inline QueueRecord make_queue(std::uint32_t seed) {
  Bytes dh(DhSecret25519::kSize, static_cast<std::uint8_t>(seed));
  return QueueRecord{.recipient_id = make_id(seed, 1),
                     .sender_id = make_id(seed, 2),
                     .recipient_key = make_key(seed),
                     .recipient_dh_secret = *DhSecret25519::from(dh)};
}

using smp::test::TempDir;

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The error of a Result the test expects to fail (errc::ok if it succeeded).
template <class T>
errc error_of(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

// The value of a Result that the test expects to succeed; a failure is reported and gives T{}.
template <class T>
T ok(Result<T> r) {
  if (!r) {
    ADD_FAILURE() << "unexpected error: " << r.error().message();
    return T{};
  }
  return std::move(r).value();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace smp::server::test
