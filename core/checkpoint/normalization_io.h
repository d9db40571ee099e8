// The pixel normalisation a checkpoint records in its metadata.
#pragma once

#include "model/model_info.h"

#include <map>
#include <string>

namespace mae {

constexpr const char* kNormalizationKey = "normalization";

// {"mean": [...], "std": [...]} from metadata, else ImageNet's.
Normalization normalization_from_metadata(const std::map<std::string, std::string>& metadata,
                                          int channels);
std::string normalization_to_json(const Normalization& n);

} // namespace mae
