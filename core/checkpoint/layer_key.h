// "<prefix>.<N>.<rest>": a transformer layer's parameter name, read without
// std::regex (libstdc++'s matcher recurses once per character, so a
// megabyte-long name in a hostile checkpoint overflowed the stack).
#pragma once

#include <optional>
#include <string>

namespace mae {

struct LayerKey {
  int index = 0;    // N: at most 6 digits, more than any model has layers
  std::string rest; // what follows "N."
};

std::optional<LayerKey> layer_key(const std::string& name, const std::string& prefix);

} // namespace mae
