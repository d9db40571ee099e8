#include "checkpoint/normalization_io.h"

#include "base/config_json.h"
#include "base/errors.h"

#include <nlohmann/json.hpp>

namespace mae {

Normalization normalization_from_metadata(const std::map<std::string, std::string>& metadata,
                                          int channels) {
  auto it = metadata.find(kNormalizationKey);
  if (it == metadata.end())
    return Normalization::imagenet(channels);
  Normalization n;
  try {
    const auto j = parse_json_or_discarded(it->second);
    if (j.is_discarded())
      throw CheckpointError("metadata 'normalization' is not JSON");
    n.mean = j.at("mean").get<std::vector<float>>();
    n.std = j.at("std").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(
        "metadata 'normalization' must be {\"mean\": [numbers], \"std\": [numbers]} (" +
        json_error_text(e) + ")");
  }
  try {
    n.validate(channels);
  } catch (const ConfigError& e) {
    throw CheckpointError(std::string("metadata ") + e.what());
  }
  return n;
}

std::string normalization_to_json(const Normalization& n) {
  return nlohmann::json{{"mean", n.mean}, {"std", n.std}}.dump();
}

} // namespace mae
