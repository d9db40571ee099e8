#include "mae/adamw.h"

#include "mae/errors.h"

#include <torch/torch.h>

#include <cmath>

namespace mae {
namespace {

template <typename F>
void for_each_param(const ParamGroups& g, F&& f) {
  size_t slot = 0;
  for (const auto& [name, p] : g.decay) f(name, p, slot++, true);
  for (const auto& [name, p] : g.no_decay) f(name, p, slot++, false);
}

} // namespace

ParamGroups weight_decay_groups(const torch::nn::Module& model) {
  ParamGroups g;
  for (const auto& p : model.named_parameters()) {
    if (!p.value().requires_grad()) continue;
    const std::string& name = p.key();
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    (p.value().dim() <= 1 || is_bias ? g.no_decay : g.decay).emplace_back(name, p.value());
  }
  return g;
}

AdamW::AdamW(ParamGroups groups, AdamWOptions options) : groups_(std::move(groups)), options_(options) {
  for_each_param(groups_, [&](const std::string&, const torch::Tensor& p, size_t, bool) {
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  });
}

void AdamW::zero_grad() {
  for_each_param(groups_, [](const std::string&, const torch::Tensor& p, size_t, bool) {
    auto& grad = const_cast<torch::Tensor&>(p).mutable_grad();
    if (grad.defined()) grad.zero_();
  });
}

void AdamW::update(const torch::Tensor& param, size_t slot, double lr, double weight_decay) {
  const auto& grad = param.grad();
  if (!grad.defined()) return;
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
  torch::NoGradGuard no_grad;
  ++steps_;
  for_each_param(groups_, [&](const std::string&, const torch::Tensor& p, size_t slot, bool decays) {
    update(p, slot, lr, decays ? options_.weight_decay : 0.0);
  });
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
  const auto restore = [&](const std::string& key, torch::Tensor& into) {
    auto it = tensors.find(key);
    if (it == tensors.end()) throw TrainError("optimizer state has no '" + key + "'");
    if (it->second.sizes() != into.sizes()) throw TrainError("optimizer state '" + key + "' has the wrong shape");
    into.copy_(it->second);
  };
  for_each_param(groups_, [&](const std::string& name, const torch::Tensor&, size_t slot, bool) {
    restore("exp_avg/" + name, exp_avg_[slot]);
    restore("exp_avg_sq/" + name, exp_avg_sq_[slot]);
  });
  steps_ = steps;
}

void clip_grad_norm(const ParamGroups& groups, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for_each_param(groups, [&](const std::string&, const torch::Tensor& p, size_t, bool) {
    if (p.grad().defined()) grads.push_back(p.grad());
  });
  if (grads.empty()) return;
  for (const auto& g : grads) norms.push_back(g.norm(2).to(torch::kFloat32));
  const auto total = torch::stack(norms).norm(2);
  const auto scale = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(scale.to(g.dtype()));
}

} // namespace mae
