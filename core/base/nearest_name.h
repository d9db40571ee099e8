// "Did you mean ...?" for a mistyped command, option or config field.
#pragma once

#include <string>
#include <vector>

namespace mae {

// The name in `names` closest to `typed` when it is close enough to be a typo
// (one edit in a short word, two in a longer one, a swap of neighbours
// counting as one, case ignored), else "". Ties go to the first.
std::string nearest_name(const std::string& typed, const std::vector<std::string>& names);

// " (did you mean 'x'?)" from nearest_name, quoted with `quote`, or "".
std::string did_you_mean(const std::string& typed, const std::vector<std::string>& names,
                         const std::string& quote = "'");

} // namespace mae
