// Names in a message: "a, b, c and 4 more".
#pragma once

#include <string>
#include <vector>

namespace mae {

// The first `shown` names, comma-separated, and how many more there are.
std::string short_name_list(const std::vector<std::string>& names, size_t shown = 3);

} // namespace mae
