// The official MAE pre-training optimiser: AdamW with betas (0.9, 0.95) and
// decoupled weight decay on weight matrices only (timm's
// param_groups_weight_decay). Kept here rather than torch::optim::AdamW so
// that its state is plain named tensors (checkpoints, exact resume) on every
// LibTorch version, and so that the CUDA path can later swap in a fused step.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mae {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct ParamGroups {
  NamedTensors decay;    // weights: matrices, conv kernels, cls/mask tokens
  NamedTensors no_decay; // biases and other 1-D parameters (LayerNorm)
};

// Frozen parameters (requires_grad false: the fixed sin-cos position
// tables) are left out of the optimiser entirely.
ParamGroups weight_decay_groups(const torch::nn::Module& model);

struct AdamWOptions {
  double weight_decay = 0.05;
  double beta1 = 0.9, beta2 = 0.95;
  double eps = 1e-8;
};

class AdamW {
public:
  AdamW(ParamGroups groups, AdamWOptions options);

  void zero_grad();
  // One update at learning rate `lr`, the same arithmetic as torch.optim.AdamW.
  void step(double lr);

  // step() in parts, for CUDA graphs. set_lr() writes the rate to a device
  // tensor outside the graph; fused_update() is the capturable update (one
  // fused kernel per group reading that tensor and per-parameter device
  // step counters); count_step() keeps the host's step count, once per update.
  void set_lr(double lr);
  void fused_update();
  void count_step() { ++steps_; }
  // Whether this optimizer runs the fused CUDA kernels (CUDA, LibTorch >= 2.3).
  bool fused() const { return fused_; }

  int64_t steps() const { return steps_; }
  const ParamGroups& groups() const { return groups_; }

  // "exp_avg/<name>" and "exp_avg_sq/<name>" for every optimised parameter.
  NamedTensors state() const;
  // Restores state() output; throws TrainError naming a missing or
  // mis-shaped tensor.
  void load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t steps);

private:
  void update(const torch::Tensor& param, size_t slot, double lr, double weight_decay);

  void sync_step_counters();

  ParamGroups groups_;
  AdamWOptions options_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_; // decay group first, then no_decay
  int64_t steps_ = 0;
  double lr_ = 0;
  bool fused_ = false;
  torch::Tensor lr_tensor_;                // fused: the rate, on the device
  std::vector<torch::Tensor> step_counts_; // fused: float32 device step per parameter
};

// Scales every gradient so that their global L2 norm is at most `max_norm`,
// without a host sync (unlike torch::nn::utils::clip_grad_norm_).
void clip_grad_norm(const ParamGroups& groups, double max_norm);

} // namespace mae
