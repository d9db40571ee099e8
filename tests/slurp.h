// A whole file as a string ("" when it cannot be read): what a test compares.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace mae::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace mae::test
