#include "train/state_file.h"

#include "base/errors.h"
#include "formats/safetensors.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mae {
namespace {

// Generator states are bytes; everything else (weights, moments, step
// counts) F32, which the loaders then copy without converting.
torch::Tensor owning_tensor(const TensorView& v, const std::string& path, const std::string& name) {
  const bool bytes = name.rfind("rng/", 0) == 0;
  const DType expected = bytes ? DType::U8 : DType::F32;
  if (v.dtype != expected)
    throw CheckpointError(path + ": tensor '" + name + "' is " + dtype_name(v.dtype) +
                          ", expected " + dtype_name(expected));
  const torch::ScalarType type = bytes ? torch::kUInt8 : torch::kFloat32;
  return torch::from_blob(const_cast<uint8_t*>(v.data), v.shape, type).clone();
}

} // namespace

void write_state_file(const std::string& path, const std::string& format,
                      const std::vector<std::pair<std::string, torch::Tensor>>& named,
                      std::map<std::string, std::string> metadata,
                      const std::function<void()>& before_rename) {
  std::vector<torch::Tensor> keep_alive;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : named) {
    keep_alive.push_back(t.detach().to(torch::kCPU).contiguous());
    const auto& c = keep_alive.back();
    const DType dtype = c.scalar_type() == torch::kUInt8 ? DType::U8 : DType::F32;
    entries.push_back({name, dtype, c.sizes().vec(), c.data_ptr(), c.nbytes()});
  }
  metadata["format"] = format;
  metadata["format_version"] = "1";
  write_safetensors(path, entries, metadata, before_rename);
}

StateFile read_state_file(const std::string& path, const std::string& format,
                          const std::string& what, const std::string& hint, bool with_tensors) {
  const SafetensorsFile f = read_safetensors(path);
  const auto fmt = f.metadata.find("format");
  if (fmt == f.metadata.end() || fmt->second != format)
    throw CheckpointError(path + ": not a " + what + " (" + hint + ")");
  StateFile s;
  s.metadata = f.metadata;
  if (with_tensors)
    for (const auto& [name, view] : f.tensors)
      s.tensors[name] = owning_tensor(view, path, name);
  return s;
}

int64_t metadata_int(const std::map<std::string, std::string>& m, const std::string& key,
                     const std::string& path, int64_t lo, int64_t hi) {
  auto it = m.find(key);
  if (it == m.end())
    throw CheckpointError(path + ": no '" + key + "' in the saved state");
  const std::string& text = it->second;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw CheckpointError(path + ": '" + key + "' in the saved state is not a whole number: \"" +
                          text.substr(0, 40) + "\"");
  if (v < lo || v > hi)
    throw CheckpointError(path + ": '" + key + "' in the saved state is " + text + ", outside [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

std::string metadata_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::optional<double> metadata_number(const std::map<std::string, std::string>& m,
                                      const std::string& key) {
  auto it = m.find(key);
  if (it == m.end() || it->second.empty())
    return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  return *end == '\0' && std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

double metadata_double(const std::map<std::string, std::string>& m, const std::string& key,
                       const std::string& path, double lo) {
  auto it = m.find(key);
  if (it == m.end())
    throw CheckpointError(path + ": no '" + key + "' in the saved state");
  const std::optional<double> v = metadata_number(m, key);
  if (!v || *v < lo) {
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", lo);
    throw CheckpointError(path + ": '" + key + "' in the saved state is not a finite number of " +
                          "at least " + bound + ": \"" + it->second.substr(0, 40) + "\"");
  }
  return *v;
}

void check_resume_world_size(const std::map<std::string, std::string>& metadata,
                             const std::string& path, int64_t world) {
  const int64_t saved =
      metadata.count("world_size") ? metadata_int(metadata, "world_size", path, 1, 65536) : 1;
  if (saved == world)
    return;
  const auto processes = [](int64_t n) {
    return std::to_string(n) + (n == 1 ? " process" : " processes");
  };
  throw UsageError("cannot resume '" + path + "' with " + processes(world) +
                   ": it was trained by " + processes(saved) +
                   ", and the global batch, learning rate and data order depend on that; "
                   "resume it with " +
                   (saved > 1 ? "--nproc " + std::to_string(saved) : std::string("one process")));
}

StateTensors with_prefix(const StateTensors& all, const std::string& prefix) {
  StateTensors out;
  for (const auto& [name, t] : all)
    if (name.rfind(prefix, 0) == 0)
      out[name.substr(prefix.size())] = t;
  return out;
}

torch::Tensor cpu_rng_state() {
  return at::detail::getDefaultCPUGenerator().get_state();
}

void restore_cpu_rng(const torch::Tensor& state, const std::string& path) {
  if (!state.defined())
    throw CheckpointError(path + ": no '" + std::string(kCpuRngTensorName) + "' tensor");
  at::Generator gen = at::detail::getDefaultCPUGenerator(); // shares the global generator
  try {
    gen.set_state(state);
  } catch (const c10::Error&) {
    throw CheckpointError(path + ": the random number generator state (" +
                          std::to_string(state.numel()) +
                          " bytes) is not one this LibTorch can restore");
  }
}

} // namespace mae
