// "1 step", "2 steps": a count and its noun, for messages.
#pragma once

#include <cstdint>
#include <string>

namespace mae {

// `plural` is the noun's plural where it is not noun + "s".
inline std::string count_of(int64_t n, const std::string& noun, const std::string& plural = "") {
  return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

} // namespace mae
