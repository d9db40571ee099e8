// A resumable state on disk (a training run's or a fine-tune's checkpoint):
// named F32 / U8 tensors and string metadata in one safetensors file, tagged
// with a format name so that one kind is never read as another. Written
// atomically, so a crash mid-write keeps the previous file.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mae {

using StateTensors = std::map<std::string, torch::Tensor>;

struct StateFile {
  StateTensors tensors; // owning CPU copies
  std::map<std::string, std::string> metadata;
};

void write_state_file(const std::string& path, const std::string& format,
                      const std::vector<std::pair<std::string, torch::Tensor>>& named,
                      std::map<std::string, std::string> metadata,
                      const std::function<void()>& before_rename = {});

// Throws CheckpointError when the file is not of `format` ("PATH: not a
// <what> (<hint>)") or holds a tensor other than F32 (U8 under "rng/"). Without
// `with_tensors`, the metadata alone: the file is mapped, so the tensors'
// bytes are then never read.
StateFile read_state_file(const std::string& path, const std::string& format,
                          const std::string& what, const std::string& hint,
                          bool with_tensors = true);

// A whole number in [lo, hi] from a state's metadata: the file is user
// input, so anything else is a CheckpointError naming the key.
int64_t metadata_int(const std::map<std::string, std::string>& metadata, const std::string& key,
                     const std::string& path, int64_t lo, int64_t hi);

// The finite number metadata[key] spells, all of it; nullopt when absent or
// not one ("nan", "1e999", "2x").
std::optional<double> metadata_number(const std::map<std::string, std::string>& metadata,
                                      const std::string& key);

// `v` as metadata text that reads back as the same double.
std::string metadata_text(double v);

// A finite number no less than `lo` from a state's metadata, likewise.
double metadata_double(const std::map<std::string, std::string>& metadata, const std::string& key,
                       const std::string& path, double lo);

// Refuses (UsageError) to resume a state written by another number of
// processes than `world`: the global batch, the learning rate and the data
// order depend on it. States from before distributed runs count as one.
void check_resume_world_size(const std::map<std::string, std::string>& metadata,
                             const std::string& path, int64_t world);

// The tensors named "<prefix>rest", as "rest".
StateTensors with_prefix(const StateTensors& all, const std::string& prefix);

// The default CPU generator's state, under the name both states use.
constexpr const char* kCpuRngTensorName = "rng/torch_cpu";
torch::Tensor cpu_rng_state();
// Throws CheckpointError when `state` is missing or not one this LibTorch
// can restore.
void restore_cpu_rng(const torch::Tensor& state, const std::string& path);

} // namespace mae
