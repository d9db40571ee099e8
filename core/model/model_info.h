// Torch-free descriptions of a loaded model and how to load one, for the CLI
// and the GUI.
#pragma once

#include "model/model_config.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mae {

struct LoadOptions {
  std::optional<ModelConfig> config; // --config: wins over anything in the file
  std::string arch;                  // --arch NAME from configs/models/
  // The architecture of a file that states none (an official checkpoint), in
  // place of inferring it: `mae train --init`'s is the training config's.
  std::optional<ModelConfig> fallback_config{};
};

// Per-channel pixel normalisation the model was trained with.
struct Normalization {
  std::vector<float> mean{0.485f, 0.456f, 0.406f}; // ImageNet
  std::vector<float> std{0.229f, 0.224f, 0.225f};

  // ImageNet for RGB; its channel average for gray models.
  static Normalization imagenet(int channels);
  // Throws ConfigError unless there is one positive std per channel.
  void validate(int channels) const;
};

struct ModelInfo {
  std::string path;
  std::string format;        // "MAE Studio safetensors", "HuggingFace ViTMAE", ...
  std::string config_source; // "checkpoint metadata", "config.json", "--arch ...", ...
  ModelConfig config;
  bool has_decoder = true;
  int64_t encoder_params = 0;
  int64_t decoder_params = 0;
  std::string device;
  std::string stored_dtype; // the file's float type: "float16", "mixed"; empty: not known
  Normalization normalization;
  std::string normalization_source; // "recorded in the file", "given", ...
  std::vector<std::string> notices;
  std::map<std::string, std::string> metadata;

  // Several lines for `mae info` and the GUI's model panel.
  std::string describe() const;
};

} // namespace mae
