#include "runtime/cuda_info.h"

#include <torch/torch.h>

#if MAE_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/cuda.h>
#endif

namespace mae {

#if MAE_WITH_CUDA

std::string cuda_device_name(int index) {
  if (!torch::cuda::is_available())
    return "";
  return at::cuda::getDeviceProperties(index)->name;
}

int64_t cuda_peak_memory_bytes(int index) {
  if (!torch::cuda::is_available())
    return 0;
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  return stats.allocated_bytes[0].peak; // index 0: all pools together (StatType::AGGREGATE)
}

void cuda_reset_peak_memory(int index) {
  if (torch::cuda::is_available())
    c10::cuda::CUDACachingAllocator::resetPeakStats(index);
}

void cuda_synchronize() {
  if (torch::cuda::is_available())
    torch::cuda::synchronize();
}

void cuda_strict_fp32() {
  at::globalContext().setAllowTF32CuBLAS(false);
  at::globalContext().setAllowTF32CuDNN(false);
}

#else

std::string cuda_device_name(int) {
  return "";
}
int64_t cuda_peak_memory_bytes(int) {
  return 0;
}
void cuda_reset_peak_memory(int) {}
void cuda_synchronize() {}
void cuda_strict_fp32() {}

#endif

} // namespace mae
