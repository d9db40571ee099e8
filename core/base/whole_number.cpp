#include "base/whole_number.h"

#include <cerrno>
#include <cstdlib>

namespace mae {

std::optional<long long> whole_number(const std::string& text, long long lo, long long hi) {
  // strtoll would skip leading spaces; a value with them was not written as a number.
  if (text.empty() || text[0] == ' ' || text[0] == '\t')
    return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno == ERANGE || end == text.c_str() || *end != '\0' || v < lo || v > hi)
    return std::nullopt;
  return v;
}

} // namespace mae
