#include "base/json_number.h"

#include <nlohmann/json.hpp>

namespace mae {

std::optional<double> json_number(const nlohmann::json& j, const char* key, double lo, double hi) {
  if (!j.is_object())
    return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    return std::nullopt;
  const double v = it->get<double>();
  return v >= lo && v <= hi ? std::optional<double>(v) : std::nullopt;
}

std::optional<int64_t> json_whole(const nlohmann::json& j, const char* key, int64_t hi) {
  if (!j.is_object())
    return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(hi)))
    return std::nullopt;
  const auto v = it->get<int64_t>();
  return v >= 0 && v <= hi ? std::optional<int64_t>(v) : std::nullopt;
}

} // namespace mae
