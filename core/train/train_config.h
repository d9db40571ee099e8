// A training run's configuration (configs/train/*.json): the model, the data,
// and the official MAE pre-training recipe's knobs. Plain data with JSON
// conversion; load_train_config validates and names the offending field.
#pragma once

#include "base/config_kind.h"

#include "data/data_config.h"
#include "model/masking_types.h"
#include "model/model_config.h"
#include "model/model_info.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace mae {

// The most optimizer steps a run may ask for: no run reaches more, and a
// larger number is a typo that would run forever.
constexpr int64_t kMaxTrainSteps = int64_t{1} << 40;

struct TrainConfig {
  static constexpr ConfigKind kKind = ConfigKind::Training; // what parse_config_json expects
  std::string name;
  std::string arch; // named architecture; empty when the model is given inline
  // The resolved architecture. Its mask_ratio and norm_pix_loss are the
  // training's (top-level "mask_ratio" / "norm_pix_loss" override the arch's).
  ModelConfig model;
  DataConfig data;
  Normalization normalization; // default: ImageNet's for the channel count
  AugmentConfig augment;

  int batch_size = 64; // images per forward pass
  int accum_iter = 1;  // forward passes per optimizer step
  double blr = 1.5e-4; // lr = blr * effective batch / 256 ...
  double lr = 0;       // ... unless an absolute lr is given
  double min_lr = 0;
  int64_t warmup_steps = 0; // one of warmup_steps / warmup_epochs
  double warmup_epochs = 0;
  int64_t total_steps = 0; // one of total_steps / epochs (optimizer steps)
  double epochs = 0;
  double weight_decay = 0.05;
  MaskStrategy mask_strategy = MaskStrategy::Random;
  double clip_grad = 0;        // max global grad norm; 0 = off (the official default)
  bool bf16 = true;            // bf16 autocast on CUDA; CPU always trains in fp32
  bool skip_nonfinite = false; // skip steps with NaN/inf loss instead of stopping
  bool cuda_graph = true;      // CUDA: capture the step as a CUDA graph where possible

  int64_t log_every = 10;       // metrics line every N steps
  int64_t checkpoint_every = 0; // 0: only at the end
  int64_t probe_every = 0;      // k-NN probe every N steps; 0: off
  int probe_k = 20;
  double probe_temperature = 0.07;
  int probe_bank_size = 5000;  // training images in the memory bank
  int probe_query_size = 1000; // held-out images classified
  // Held-out reconstruction every N steps (0: off): `mae eval-recon`'s
  // masked-region MSE of data.val_path's pictures; the best weights are kept.
  int64_t recon_eval_every = 0;
  int recon_eval_images = 256; // at most this many held-out pictures
  int recon_eval_masks = 5;    // random masks per picture (seeds 0..N-1)

  uint64_t seed = 0;
  int num_workers = 2; // data-loading threads; 0 loads on the training thread
  int prefetch = 4;    // batches loaded ahead

  // Data-parallel ranks: set by the launch (torchrun, --nproc), never read
  // from or written to JSON. batch_size is per rank, as in the official recipe.
  int world_size = 1;
  int rank = 0;

  int64_t effective_batch() const {
    return static_cast<int64_t>(batch_size) * accum_iter * world_size;
  }
  // The peak learning rate: lr, else blr * effective_batch / 256 (the global batch).
  double peak_lr() const;

  // The masks of this run; each batch's seed derives from `seed`.
  MaskSettings mask_settings() const { return {mask_strategy, model.mask_ratio, seed, {}}; }
  // What the data layer needs to produce this run's batches.
  LoaderConfig loader() const;

  // Throws ConfigError naming the field.
  void validate() const;
};

void to_json(nlohmann::json& j, const TrainConfig& c);
// Unknown keys and wrong types are errors naming the key; does not validate.
void from_json(const nlohmann::json& j, TrainConfig& c);

// Parses and validates; `label` prefixes error messages.
TrainConfig parse_train_config(const std::string& json_text, const std::string& label);
TrainConfig load_train_config(const std::string& path);
std::string train_config_json(const TrainConfig& c);

} // namespace mae
