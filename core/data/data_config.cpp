#include "data/data_config.h"

#include "base/config_json.h"

#include <cmath>

namespace mae {

void AugmentConfig::validate() const {
  require_field(std::isfinite(min_scale) && min_scale > 0 && min_scale <= 1, "augment.min_scale",
                "must be in (0, 1]");
  require_field(std::isfinite(max_scale) && max_scale >= min_scale && max_scale <= 1,
                "augment.max_scale", "must be in [min_scale, 1]");
  require_field(std::isfinite(min_ratio) && min_ratio > 0, "augment.min_ratio", "must be positive");
  require_field(std::isfinite(max_ratio) && max_ratio >= min_ratio, "augment.max_ratio",
                "must be at least min_ratio");
}

bool AugmentConfig::operator==(const AugmentConfig& o) const {
  return random_resized_crop == o.random_resized_crop && min_scale == o.min_scale &&
         max_scale == o.max_scale && min_ratio == o.min_ratio && max_ratio == o.max_ratio &&
         hflip == o.hflip;
}

} // namespace mae
