// Device facts for benchmarks and status lines; safe to call in CPU-only
// builds, where they report nothing.
#pragma once

#include <cstdint>
#include <string>

namespace mae {

// "NVIDIA H200", or "" without CUDA.
std::string cuda_device_name(int index = 0);
// Peak bytes held by LibTorch's CUDA allocator since the last reset; 0 without CUDA.
int64_t cuda_peak_memory_bytes(int index = 0);
void cuda_reset_peak_memory(int index = 0);
// Waits for the device's queued work; nothing without CUDA.
void cuda_synchronize();
// Turns TF32 off for cuBLAS and cuDNN, so that float32 means float32
// (parity checks); nothing without CUDA.
void cuda_strict_fp32();

} // namespace mae
