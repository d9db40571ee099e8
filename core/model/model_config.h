// Model configuration with the constructor argument names of
// facebookresearch/mae, so that JSON configs read like the official code.
#pragma once

#include "base/config_kind.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <utility>
#include <vector>

namespace mae {

struct ModelConfig {
  static constexpr ConfigKind kKind = ConfigKind::Model; // what parse_config_json expects
  // Defaults are the official MaskedAutoencoderViT constructor's.
  int img_size = 224;
  int patch_size = 16;
  int in_chans = 3;
  int embed_dim = 1024;
  int depth = 24;
  int num_heads = 16;
  int decoder_embed_dim = 512;
  int decoder_depth = 8;
  int decoder_num_heads = 16;
  double mlp_ratio = 4.0;
  bool norm_pix_loss = false;
  double layer_norm_eps = 1e-6;
  double mask_ratio = 0.75;
  // The paper's Table 1c ablation: the encoder sees every patch, the removed
  // ones replaced by a learned mask token (the default MAE encoder sees only
  // the kept patches). Written to JSON only when set.
  bool encoder_mask_token = false;

  int grid_size() const { return img_size / patch_size; }
  int num_patches() const { return grid_size() * grid_size(); }
  int patch_dim() const { return patch_size * patch_size * in_chans; }
  // timm's Mlp: hidden = int(dim * mlp_ratio).
  int mlp_hidden() const { return static_cast<int>(embed_dim * mlp_ratio); }
  int decoder_mlp_hidden() const { return static_cast<int>(decoder_embed_dim * mlp_ratio); }

  // Throws ConfigError naming the offending field.
  void validate() const;
  // "ViT encoder 1024x24 (16 heads), decoder 512x8 (16 heads), patch 16,
  // 224px, 3 channels"; an encoder-only model (`with_decoder` false) says
  // "no decoder".
  std::string summary(bool with_decoder = true) const;

  bool operator==(const ModelConfig& o) const;
  bool operator!=(const ModelConfig& o) const { return !(*this == o); }
};

void to_json(nlohmann::json& j, const ModelConfig& c);
// Missing keys keep the official defaults; unknown keys and wrong types are
// errors naming the key. Does not validate: call validate() (the loaders do).
void from_json(const nlohmann::json& j, ModelConfig& c);

// Parses and validates; `label` names the source in error messages.
ModelConfig parse_model_config(const std::string& json_text, const std::string& label);
ModelConfig load_model_config(const std::string& path);
std::string model_config_json(const ModelConfig& c);

// HuggingFace ViTMAEConfig (config.json) to ours. A key one typo away from a
// shape key the file lacks is an error; each shape key it lacks takes
// HuggingFace's default and, with `defaulted`, a line there saying so.
ModelConfig model_config_from_hf(const nlohmann::json& hf, const std::string& label,
                                 std::vector<std::string>* defaulted = nullptr);

// Named architectures from configs/models/ (compiled in).
std::vector<std::string> builtin_model_names();
// Throws ConfigError listing the known names.
ModelConfig builtin_model_config(const std::string& name);

} // namespace mae
