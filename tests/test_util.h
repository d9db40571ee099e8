// Shared helpers for the torch tests.
#pragma once

#include "formats/safetensors.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>

namespace mae::test {

inline std::string data_path(const std::string& rel) {
  return std::string(MAE_TEST_DATA) + "/" + rel;
}
inline std::string fixture(const std::string& rel) {
  return data_path("vitmae/rgb32_p4/" + rel);
}

// A fresh directory under the build tree for one test.
inline std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::path(MAE_TEST_TMP) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A tensor from a safetensors file, as an owning float32/int64 torch tensor.
inline torch::Tensor load_tensor(const std::string& path, const std::string& name) {
  const SafetensorsFile f = read_safetensors(path);
  const TensorView* v = f.find(name);
  if (!v)
    throw std::runtime_error(path + ": no tensor " + name);
  const auto type = v->dtype == DType::I64 ? torch::kInt64 : torch::kFloat32;
  return torch::from_blob(const_cast<uint8_t*>(v->data), v->shape, type).clone();
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

} // namespace mae::test
