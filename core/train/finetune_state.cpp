#include "train/finetune_state.h"

#include "base/errors.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

namespace mae {
namespace {

constexpr const char* kModelPrefix = "model/";
constexpr const char* kAvgPrefix = "exp_avg/";
constexpr const char* kAvgSqPrefix = "exp_avg_sq/";
constexpr const char* kStepPrefix = "step/";

// torch::optim keys its per-parameter state by the tensor's impl: as a
// string in LibTorch 1.x, as the pointer itself in 2.x.
template <class Map> typename Map::key_type state_key(const Map&, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key; // as c10::guts::to_string formats the pointer
    key << static_cast<const void*>(p.unsafeGetTensorImpl());
    return key.str();
  } else
    return static_cast<Key>(p.unsafeGetTensorImpl());
}

// tensors[name] (read under `prefix`), shaped like `like` and finite: the
// file is the user's, and NaN weights would fine-tune to NaN without a word.
torch::Tensor need(const StateTensors& tensors, const char* prefix, const std::string& name,
                   const torch::Tensor& like, const std::string& path) {
  const auto it = tensors.find(name);
  if (it == tensors.end())
    throw CheckpointError(path + ": no tensor '" + prefix + name + "'");
  if (it->second.sizes() != like.sizes())
    throw CheckpointError(path + ": tensor '" + prefix + name +
                          "' has the wrong shape for this model");
  if (!torch::isfinite(it->second).all().item<bool>())
    throw CheckpointError(path + ": tensor '" + prefix + name + "' holds NaN or infinite values");
  return it->second.to(like.device());
}

// A parameter's AdamW step count: a whole number no larger than the state's.
int64_t param_steps(const StateTensors& steps, const std::string& name, int64_t saved,
                    const std::string& path) {
  const auto it = steps.find(name);
  if (it == steps.end() || it->second.numel() != 1)
    throw CheckpointError(path + ": no step count for '" + name + "'");
  const double v = it->second.item<double>();
  if (!(v >= 0 && v <= static_cast<double>(saved) && v == std::floor(v)))
    throw CheckpointError(path + ": the step count of '" + name +
                          "' is not a whole number in [0, " + std::to_string(saved) + "]");
  return static_cast<int64_t>(v);
}

} // namespace

std::vector<std::pair<std::string, torch::Tensor>> classifier_parameters(ViTClassifier& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model->named_parameters())
    if (p.key().find("decoder") == std::string::npos && p.key() != "encoder.mask_token")
      out.emplace_back(p.key(), p.value());
  return out;
}

void save_finetune_state(const std::string& path, ViTClassifier& model,
                         torch::optim::AdamW& optimizer,
                         const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  const auto& state = optimizer.state();
  for (const auto& [name, p] : classifier_parameters(model)) {
    named.emplace_back(kModelPrefix + name, p);
    const auto it = state.find(state_key(state, p));
    if (it == state.end())
      continue; // frozen (partial fine-tuning), or no step taken yet
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    named.emplace_back(kAvgPrefix + name, s.exp_avg());
    named.emplace_back(kAvgSqPrefix + name, s.exp_avg_sq());
    named.emplace_back(kStepPrefix + name, torch::full({1}, static_cast<float>(s.step())));
  }
  write_state_file(path, kFinetuneStateFormat, named, metadata);
}

StateFile read_finetune_state(const std::string& path, bool with_tensors) {
  return read_state_file(path, kFinetuneStateFormat, "fine-tune state",
                         "resume from a fine-tune's output folder or its " +
                             std::string(kFinetuneStateName),
                         with_tensors);
}

void restore_finetune_state(const StateFile& f, const std::string& path, ViTClassifier& model,
                            torch::optim::AdamW& optimizer) {
  torch::NoGradGuard no_grad;
  const StateTensors weights = with_prefix(f.tensors, kModelPrefix);
  const StateTensors avg = with_prefix(f.tensors, kAvgPrefix);
  const StateTensors avg_sq = with_prefix(f.tensors, kAvgSqPrefix);
  const StateTensors steps = with_prefix(f.tensors, kStepPrefix);
  const int64_t saved =
      metadata_int(f.metadata, "step", path, 0, std::numeric_limits<int64_t>::max());
  auto& state = optimizer.state();
  for (auto& [name, p] : classifier_parameters(model)) {
    p.copy_(need(weights, kModelPrefix, name, p, path));
    if (!avg.count(name))
      continue;
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->exp_avg(need(avg, kAvgPrefix, name, p, path).clone());
    s->exp_avg_sq(need(avg_sq, kAvgSqPrefix, name, p, path).clone());
    if (s->exp_avg_sq().lt(0).any().item<bool>()) // a mean of squares
      throw CheckpointError(path + ": tensor '" + kAvgSqPrefix + name + "' holds negative values");
    s->step(param_steps(steps, name, saved, path));
    state[state_key(state, p)] = std::move(s);
  }
}

} // namespace mae
