// Access to the known-answer vectors in ../shared/vectors (read at test time, never copied
// into the repository). Tests call load_vectors("cbox.json"); when the folder is absent the
// test is skipped with a message naming the path. Not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "smp/common/bytes.h"

namespace smp::test {

// The folder holding the vectors: $SMP_VECTORS_DIR if set, else the configured path.
std::string vectors_dir();

// Parsed JSON of a vector file, or nullopt if it does not exist.
std::optional<boost::json::value> read_vectors(const std::string& file);

// Hex string → bytes; fails the current test on malformed hex.
Bytes hex(std::string_view h);
Bytes hex(const boost::json::value& v);
std::string str(const boost::json::value& v);

}  // namespace smp::test

// Loads a vector file into `var` (a boost::json::value) or skips the test.
#define SMP_LOAD_VECTORS(var, file)                                                      \
  auto var##_opt = ::smp::test::read_vectors(file);                                      \
  if (!var##_opt) GTEST_SKIP() << "vectors not found: " << ::smp::test::vectors_dir()   \
                               << "/" << (file);                                         \
  const boost::json::value& var = *var##_opt
