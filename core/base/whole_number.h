// Strict parsing of a whole number from text a user or a file supplied
// (an environment variable, a pack's metadata): atoi would read "abc" as 0
// and "3x" as 3, and wrap what does not fit.
#pragma once

#include <optional>
#include <string>

namespace mae {

// The number `text` spells, when all of it is one (an optional sign, then
// digits) and it lies in [lo, hi]; else nullopt.
std::optional<long long> whole_number(const std::string& text, long long lo, long long hi);

} // namespace mae
