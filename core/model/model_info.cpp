#include "model/model_info.h"

#include "base/errors.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace mae {

Normalization Normalization::imagenet(int channels) {
  // Before the model config is validated (a config's "imagenet" preset): a
  // negative count would ask for a vector of 2^64 floats.
  if (channels < 1 || channels > 16)
    throw ConfigError("model.in_chans: must be from 1 to 16, not " + std::to_string(channels));
  Normalization n;
  if (channels == 1) {
    n.mean = {0.449f};
    n.std = {0.226f};
  } else if (channels != 3) {
    n.mean.assign(static_cast<size_t>(channels), 0.5f);
    n.std.assign(static_cast<size_t>(channels), 0.25f);
  }
  return n;
}

void Normalization::validate(int channels) const {
  if (mean.size() != static_cast<size_t>(channels) || std.size() != static_cast<size_t>(channels))
    throw ConfigError("normalization: mean and std need one value per image channel: the model "
                      "takes " +
                      std::to_string(channels) + ", mean has " + std::to_string(mean.size()) +
                      " and std " + std::to_string(std.size()));
  // Finite: JSON numbers past float's range become inf here, which a saved
  // config writes as null and cannot read back.
  for (float m : mean)
    if (!std::isfinite(m))
      throw ConfigError("normalization: mean values must be finite (within float range)");
  for (float s : std)
    if (!(s > 0) || !std::isfinite(s))
      throw ConfigError("normalization: std values must be positive and finite (within float "
                        "range)");
}

namespace {

std::string numbers(const std::vector<float>& v) {
  std::ostringstream s;
  for (size_t i = 0; i < v.size(); ++i)
    s << (i ? ", " : "") << v[i];
  return s.str();
}

std::string millions(int64_t n) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << static_cast<double>(n) / 1e6 << " M";
  return s.str();
}

} // namespace

std::string ModelInfo::describe() const {
  std::ostringstream s;
  s << "model:        " << path << "\n"
    << "format:       " << format << "\n"
    << "architecture: " << config.summary(has_decoder) << "\n"
    << "config from:  " << config_source << "\n"
    << "patches:      " << config.grid_size() << "x" << config.grid_size() << " = "
    << config.num_patches() << " of " << config.patch_size << "x" << config.patch_size << "\n"
    << "parameters:   encoder " << millions(encoder_params) << ", decoder "
    << (has_decoder ? millions(decoder_params) : std::string("none")) << ", total "
    << millions(encoder_params + decoder_params)
    << (stored_dtype.empty() ? "" : ", stored as " + stored_dtype) << "\n"
    << "pixels:       normalised by mean " << numbers(normalization.mean) << ", std "
    << numbers(normalization.std)
    << (normalization_source.empty() ? "" : " (" + normalization_source + ")") << "\n"
    << "mask ratio:   " << config.mask_ratio << " (training)\n"
    << "layer norm:   eps " << config.layer_norm_eps << "\n"
    << "targets:      " << (config.norm_pix_loss ? "per-patch normalised pixels" : "pixels")
    << "\n";
  if (!device.empty())
    s << "device:       " << device << "\n";
  for (const auto& n : notices)
    s << "note:         " << n << "\n";
  return s.str();
}

} // namespace mae
