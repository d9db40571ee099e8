// bf16 autocast on CUDA for a scope, across LibTorch versions (the API moved
// to per-device-type calls in 2.4). On the CPU it does nothing: CPU training
// stays float32.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/types.h>
#include <torch/version.h>

namespace mae {

class CudaAutocast {
public:
  CudaAutocast(const torch::Device& device, bool enabled) : active_(enabled && device.is_cuda()) {
    if (active_)
      set(true);
  }
  ~CudaAutocast() {
    if (!active_)
      return;
    set(false);
    at::autocast::clear_cache();
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

private:
  static void set(bool on) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, on);
#else
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(on);
#endif
  }

  bool active_;
};

} // namespace mae
