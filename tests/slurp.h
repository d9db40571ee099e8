// A whole file as a string ("" when it cannot be read): what a test compares;
// and a string as a whole file, what a test hands the code.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

namespace mae::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

} // namespace mae::test
