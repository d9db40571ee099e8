#include "base/name_list.h"

#include <algorithm>

namespace mae {

std::string short_name_list(const std::vector<std::string>& names, size_t shown) {
  std::string list;
  for (size_t i = 0; i < std::min(names.size(), shown); ++i)
    list += (i ? ", " : "") + names[i];
  if (names.size() > shown)
    list += " and " + std::to_string(names.size() - shown) + " more";
  return list;
}

} // namespace mae
