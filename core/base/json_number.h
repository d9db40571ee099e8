// Numbers read back from JSON lines a user can edit (metrics.jsonl, a
// sweep's results.jsonl): a value outside what a run writes is no value.
// Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>

namespace mae {

// j[key] when j is an object and it is a number in [lo, hi].
std::optional<double> json_number(const nlohmann::json& j, const char* key, double lo, double hi);

// j[key] when j is an object and it is a whole number in [0, hi]: 5.7 is no
// step, and 2^32 is no run index 0 (no unsigned wrap-around).
std::optional<int64_t> json_whole(const nlohmann::json& j, const char* key, int64_t hi);

} // namespace mae
