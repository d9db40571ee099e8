#include "train/adamw.h"

#include "base/errors.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>

// torch._fused_adamw_ with a tensor learning rate: LibTorch 2.3 and later,
// built with CUDA and the fast path on (MAE_WITH_CUDA).
#if MAE_WITH_CUDA &&                                                                               \
    (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3))
#define MAE_HAVE_FUSED_ADAMW 1
#else
#define MAE_HAVE_FUSED_ADAMW 0
#endif

namespace mae {
namespace {

template <typename F> void for_each_param(const ParamGroups& g, F&& f) {
  size_t slot = 0;
  for (const auto& [name, p] : g.decay)
    f(name, p, slot++, true);
  for (const auto& [name, p] : g.no_decay)
    f(name, p, slot++, false);
}

} // namespace

ParamGroups weight_decay_groups(const torch::nn::Module& model) {
  ParamGroups g;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad())
      continue;
    const std::string& name = p.key();
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    (p.value().dim() <= 1 || is_bias ? g.no_decay : g.decay).emplace_back(name, p.value());
  }
  return g;
}

AdamW::AdamW(ParamGroups groups, AdamWOptions options)
    : groups_(std::move(groups)), options_(options) {
  bool all_cuda_f32 = true;
  for_each_param(groups_, [&](const std::string&, const torch::Tensor& p, size_t, bool) {
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    all_cuda_f32 = all_cuda_f32 && p.is_cuda() && p.scalar_type() == torch::kFloat32;
  });
  fused_ = MAE_HAVE_FUSED_ADAMW && all_cuda_f32 && !exp_avg_.empty();
  if (fused_) {
    const auto opts = exp_avg_.front().options().dtype(torch::kFloat32);
    lr_tensor_ = torch::zeros({}, opts);
    for (size_t i = 0; i < exp_avg_.size(); ++i)
      step_counts_.push_back(torch::zeros({}, opts));
  }
}

// Unset, as PyTorch's set_to_none: the next backward hands its gradient
// buffers over instead of adding them into zeroed ones.
void AdamW::zero_grad() {
  for_each_param(groups_, [](const std::string&, const torch::Tensor& p, size_t, bool) {
    const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
  });
}

void AdamW::update(const torch::Tensor& param, size_t slot, double lr, double weight_decay) {
  const auto& grad = param.grad();
  if (!grad.defined())
    return;
  auto p = param.detach();
  p.mul_(1.0 - lr * weight_decay);
  exp_avg_[slot].lerp_(grad, 1.0 - options_.beta1);
  exp_avg_sq_[slot].mul_(options_.beta2).addcmul_(grad, grad, 1.0 - options_.beta2);
  const double step = static_cast<double>(steps_);
  const double bias1 = 1.0 - std::pow(options_.beta1, step);
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(options_.beta2, step));
  const auto denom = (exp_avg_sq_[slot].sqrt() / bias2_sqrt).add_(options_.eps);
  p.addcdiv_(exp_avg_[slot], denom, -lr / bias1);
}

void AdamW::step(double lr) {
  set_lr(lr);
  count_step();
  if (fused_)
    return fused_update();
  torch::NoGradGuard no_grad;
  for_each_param(groups_,
                 [&](const std::string&, const torch::Tensor& p, size_t slot, bool decays) {
                   update(p, slot, lr_, decays ? options_.weight_decay : 0.0);
                 });
}

void AdamW::set_lr(double lr) {
  lr_ = lr;
  // fill_ with a host scalar is an asynchronous kernel launch, not a sync.
  if (fused_)
    lr_tensor_.fill_(lr);
}

void AdamW::fused_update() {
  if (!fused_)
    throw TrainError("fused_update needs the fused CUDA optimizer");
#if MAE_HAVE_FUSED_ADAMW
  torch::NoGradGuard no_grad;
  // The step counters live on the device and advance in the kernel stream,
  // so a replayed CUDA graph keeps the bias correction right.
  at::_foreach_add_(step_counts_, 1);
  size_t slot = 0;
  for (const bool decay : {true, false}) {
    const NamedTensors& group = decay ? groups_.decay : groups_.no_decay;
    std::vector<torch::Tensor> params, grads, m, v, steps;
    for (const auto& named : group) {
      const torch::Tensor& p = named.second;
      if (p.grad().defined()) {
        params.push_back(p);
        grads.push_back(p.grad());
        m.push_back(exp_avg_[slot]);
        v.push_back(exp_avg_sq_[slot]);
        steps.push_back(step_counts_[slot]);
      }
      ++slot;
    }
    if (params.empty())
      continue;
    at::_fused_adamw_(params, grads, m, v, /*max_exp_avg_sqs=*/{}, steps, lr_tensor_,
                      options_.beta1, options_.beta2, decay ? options_.weight_decay : 0.0,
                      options_.eps, /*amsgrad=*/false, /*maximize=*/false);
  }
#endif
}

void AdamW::sync_step_counters() {
  torch::NoGradGuard no_grad;
  for (auto& s : step_counts_)
    s.fill_(static_cast<double>(steps_));
}

NamedTensors AdamW::state() const {
  NamedTensors out;
  for_each_param(groups_, [&](const std::string& name, const torch::Tensor&, size_t slot, bool) {
    out.emplace_back("exp_avg/" + name, exp_avg_[slot]);
    out.emplace_back("exp_avg_sq/" + name, exp_avg_sq_[slot]);
  });
  return out;
}

void AdamW::load_state(const std::map<std::string, torch::Tensor>& tensors, int64_t steps) {
  torch::NoGradGuard no_grad;
  const auto restore = [&](const std::string& key, torch::Tensor& into, bool squares) {
    auto it = tensors.find(key);
    if (it == tensors.end())
      throw TrainError("optimizer state has no '" + key + "'");
    if (it->second.sizes() != into.sizes())
      throw TrainError("optimizer state '" + key + "' has the wrong shape");
    if (!torch::isfinite(it->second).all().item<bool>())
      throw TrainError("optimizer state '" + key + "' holds NaN or infinite values");
    if (squares && it->second.lt(0).any().item<bool>()) // a square root of it divides
      throw TrainError("optimizer state '" + key + "' holds negative values");
    into.copy_(it->second);
  };
  for_each_param(groups_, [&](const std::string& name, const torch::Tensor&, size_t slot, bool) {
    restore("exp_avg/" + name, exp_avg_[slot], false);
    restore("exp_avg_sq/" + name, exp_avg_sq_[slot], true);
  });
  steps_ = steps;
  sync_step_counters();
}

void clip_grad_norm(const ParamGroups& groups, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for_each_param(groups, [&](const std::string&, const torch::Tensor& p, size_t, bool) {
    if (p.grad().defined())
      grads.push_back(p.grad());
  });
  if (grads.empty())
    return;
  for (const auto& g : grads)
    norms.push_back(g.norm(2).to(torch::kFloat32));
  const auto total = torch::stack(norms).norm(2);
  const auto scale = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& g : grads)
    g.mul_(scale.to(g.dtype()));
}

} // namespace mae
