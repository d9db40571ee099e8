#include "train/train_state.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "train/state_file.h"

#include <torch/torch.h>

namespace mae {
namespace {

constexpr const char* kModelPrefix = "model/";
constexpr const char* kOptimizerPrefix = "optim/";

} // namespace

void save_train_state(const std::string& path, MaskedAutoencoderViT& model, const AdamW& optimizer,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<void()>& before_rename) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& [name, t] : model_state_dict(model))
    named.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : optimizer.state())
    named.emplace_back(kOptimizerPrefix + name, t);
  named.emplace_back(kCpuRngTensorName, cpu_rng_state());
  auto meta = metadata;
  meta["mae_config"] = model_config_json(model->config());
  write_state_file(path, kTrainStateFormat, named, meta, before_rename);
}

TrainState read_train_state(const std::string& path) {
  StateFile f = read_state_file(path, kTrainStateFormat, "training checkpoint",
                                "resume from a run directory or its checkpoint.safetensors; "
                                "model.safetensors holds weights only");
  TrainState s;
  s.metadata = std::move(f.metadata);
  s.model = with_prefix(f.tensors, kModelPrefix);
  s.optimizer = with_prefix(f.tensors, kOptimizerPrefix);
  const auto rng = f.tensors.find(kCpuRngTensorName);
  if (rng == f.tensors.end())
    throw CheckpointError(path + ": no '" + std::string(kCpuRngTensorName) + "' tensor");
  s.torch_cpu_rng = rng->second;
  return s;
}

} // namespace mae
