#include "checkpoint/layer_key.h"

namespace mae {

std::optional<LayerKey> layer_key(const std::string& name, const std::string& prefix) {
  constexpr size_t kMostDigits = 6;
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name[prefix.size()] != '.')
    return std::nullopt;
  const size_t first = prefix.size() + 1;
  size_t end = first;
  while (end < name.size() && end - first < kMostDigits + 1 && name[end] >= '0' && name[end] <= '9')
    ++end;
  if (end == first || end - first > kMostDigits || end == name.size() || name[end] != '.')
    return std::nullopt;
  return LayerKey{std::stoi(name.substr(first, end - first)), name.substr(end + 1)};
}

} // namespace mae
