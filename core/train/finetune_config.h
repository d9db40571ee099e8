// The fine-tuning recipe (`mae finetune`, a sweep's "finetune" block): the
// official main_finetune.py's knobs at Fashion-MNIST scale. Plain data with
// JSON conversion; validate() names the offending field. Torch-free.
#pragma once

#include "base/config_kind.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace mae {

struct FinetuneConfig {
  static constexpr ConfigKind kKind = ConfigKind::Finetune; // what parse_config_json expects
  double epochs = 10;
  int batch_size = 128;
  double blr = 2e-3; // lr = blr * batch_size / 256
  double min_lr = 1e-6;
  double warmup_epochs = 1;
  double layer_decay = 0.75; // main_finetune.py's default (ViT-L/H; FINETUNE.md: 0.65 for ViT-B)
  double weight_decay = 0.05;
  double label_smoothing = 0.1;
  double drop_path = 0.1;
  // -1: every block (full fine-tuning); k >= 0: only the last k blocks, the
  // final norms and the head train (partial fine-tuning, the paper's Fig. 9;
  // k = 0 trains the head alone).
  int last_blocks = -1;
  // "shift_flip": each image shifted by up to `shift` pixels and flipped at
  // random (translation is what a small grey image needs of RandomResizedCrop);
  // "none": the images as they are.
  std::string augment = "shift_flip";
  int shift = 2;
  int64_t max_train = 0; // 0: every training image
  int64_t max_test = 0;  // 0: every test image
  uint64_t seed = 0;

  double peak_lr() const { return blr * batch_size / 256.0; }
  // Throws ConfigError naming the field.
  void validate() const;
};

void to_json(nlohmann::json& j, const FinetuneConfig& c);
// Unknown keys and wrong types are errors naming the key; does not validate.
void from_json(const nlohmann::json& j, FinetuneConfig& c);

} // namespace mae
