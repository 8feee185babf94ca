#include "support/vectors.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace smp::test {

std::string vectors_dir() {
  if (const char* env = std::getenv("SMP_VECTORS_DIR"); env && *env) return env;
  return SMP_VECTORS_DIR;
}

std::optional<boost::json::value> read_vectors(const std::string& file) {
  std::ifstream in(vectors_dir() + "/" + file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << "bad hex in vector: " << h;
  return out;
}

Bytes hex(const boost::json::value& v) {
  if (v.is_object() && v.as_object().contains("hex")) return hex(v.at("hex"));
  return hex(std::string_view(v.as_string()));
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace smp::test
