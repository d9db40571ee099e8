#include "train/train_state.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "formats/safetensors.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace mae {
namespace {

constexpr const char* kModelPrefix = "model/";
constexpr const char* kOptimizerPrefix = "optim/";
constexpr const char* kRngName = "rng/torch_cpu";

torch::Tensor owning_tensor(const TensorView& v, const std::string& path, const std::string& name) {
  torch::ScalarType type = torch::kFloat32;
  if (v.dtype == DType::U8)
    type = torch::kUInt8;
  else if (v.dtype != DType::F32)
    throw CheckpointError(path + ": tensor '" + name + "' is " + dtype_name(v.dtype) +
                          ", expected F32 or U8");
  return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, type).clone();
}

bool strip_prefix(const std::string& name, const std::string& prefix, std::string* rest) {
  if (name.rfind(prefix, 0) != 0)
    return false;
  *rest = name.substr(prefix.size());
  return true;
}

} // namespace

void save_train_state(const std::string& path, MaskedAutoencoderViT& model, const AdamW& optimizer,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<void()>& before_rename) {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& [name, t] : model_state_dict(model))
    named.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : optimizer.state())
    named.emplace_back(kOptimizerPrefix + name, t);
  named.emplace_back(kRngName, at::detail::getDefaultCPUGenerator().get_state());

  std::vector<torch::Tensor> keep_alive;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : named) {
    keep_alive.push_back(t.detach().to(torch::kCPU).contiguous());
    const auto& c = keep_alive.back();
    const DType dtype = c.scalar_type() == torch::kUInt8 ? DType::U8 : DType::F32;
    entries.push_back({name, dtype, c.sizes().vec(), c.data_ptr(), c.nbytes()});
  }
  auto meta = metadata;
  meta["format"] = kTrainStateFormat;
  meta["format_version"] = "1";
  meta["mae_config"] = model_config_json(model->config());
  write_safetensors(path, entries, meta, before_rename);
}

TrainState read_train_state(const std::string& path) {
  const SafetensorsFile f = read_safetensors(path);
  auto fmt = f.metadata.find("format");
  if (fmt == f.metadata.end() || fmt->second != kTrainStateFormat)
    throw CheckpointError(path +
                          ": not a training checkpoint (resume from a run directory or its " +
                          "checkpoint.safetensors; model.safetensors holds weights only)");
  TrainState s;
  s.metadata = f.metadata;
  for (const auto& [name, view] : f.tensors) {
    std::string rest;
    if (strip_prefix(name, kModelPrefix, &rest))
      s.model[rest] = owning_tensor(view, path, name);
    else if (strip_prefix(name, kOptimizerPrefix, &rest))
      s.optimizer[rest] = owning_tensor(view, path, name);
    else if (name == kRngName)
      s.torch_cpu_rng = owning_tensor(view, path, name);
  }
  if (!s.torch_cpu_rng.defined())
    throw CheckpointError(path + ": no '" + kRngName + "' tensor");
  return s;
}

} // namespace mae
