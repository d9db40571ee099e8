// The resume file of a training run (checkpoint.safetensors): weights,
// AdamW moments and RNG state as tensors, the step, seeds and config as
// metadata. Written atomically, so a crash mid-write keeps the previous one.
#pragma once

#include "model/mae_model.h"
#include "train/adamw.h"

#include <torch/types.h>

#include <functional>
#include <map>
#include <string>

namespace mae {

constexpr const char* kTrainStateFormat = "mae-studio-train-state";

struct TrainState {
  std::map<std::string, torch::Tensor> model;     // official parameter names
  std::map<std::string, torch::Tensor> optimizer; // AdamW::state() names
  torch::Tensor torch_cpu_rng;                    // the default CPU generator's state
  std::map<std::string, std::string> metadata;    // step, config, data-order and mask seeds, ...
};

void save_train_state(const std::string& path, MaskedAutoencoderViT& model, const AdamW& optimizer,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<void()>& before_rename = {});

// Throws CheckpointError when the file is not a training state.
TrainState read_train_state(const std::string& path);

} // namespace mae
