#include "add_layer_norm_kernels.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace mae::cuda {
namespace {

constexpr int kWarp = 32;
constexpr int kBlock = 256;
constexpr int kWarpsPerBlock = kBlock / kWarp;
constexpr int kMaxDevices = 64;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float load_bf16(const std::uint16_t* p, std::int64_t i) {
  return __bfloat162float(reinterpret_cast<const __nv_bfloat16*>(p)[i]);
}

__device__ __forceinline__ void store_bf16(std::uint16_t* p, std::int64_t i, float v) {
  reinterpret_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
}

// Both kernels give each warp whole rows, lane l holding columns l, l + 32,
// ... in registers: loads coalesce, a row's sums are warp shuffles, and the
// row is read from memory once. Warps stride over the rows so that the grid
// can be sized to fill the card once.
template <int kPerLane>
__global__ void __launch_bounds__(kBlock) forward_kernel(AddLayerNormForward a) {
  const int lane = threadIdx.x % kWarp;
  const std::int64_t first = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x / kWarp;
  const float inv_cols = 1.0f / static_cast<float>(a.cols);
  for (std::int64_t r = first; r < a.rows; r += stride) {
    const std::int64_t base = r * a.cols;
    float v[kPerLane];
    float total = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int c = lane + i * kWarp;
      v[i] = c < a.cols ? a.x[base + c] + load_bf16(a.delta, base + c) : 0.f;
      total += v[i];
    }
    const float mean = warp_sum(total) * inv_cols;
    // Two passes over registers: no cancellation, unlike E[x^2] - E[x]^2.
    float squares = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int c = lane + i * kWarp;
      const float d = c < a.cols ? v[i] - mean : 0.f;
      squares += d * d;
    }
    const float rstd = rsqrtf(warp_sum(squares) * inv_cols + a.eps);
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int c = lane + i * kWarp;
      if (c < a.cols) {
        a.sum[base + c] = v[i];
        store_bf16(a.normed, base + c, (v[i] - mean) * rstd * a.weight[c] + a.bias[c]);
      }
    }
    if (lane == 0) {
      a.mean[r] = mean;
      a.rstd[r] = rstd;
    }
  }
}

// d_sum_total = rstd * (g - mean(g) - xhat * mean(g * xhat)) + d_sum, where
// g = d_normed * weight. Each warp also accumulates its rows' share of the
// weight and bias gradients and writes it as one row of `partials`.
template <int kPerLane>
__global__ void __launch_bounds__(kBlock) backward_kernel(AddLayerNormBackward a) {
  const int lane = threadIdx.x % kWarp;
  const std::int64_t warp = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const std::int64_t warps = std::int64_t(gridDim.x) * blockDim.x / kWarp;
  const float inv_cols = 1.0f / static_cast<float>(a.cols);
  float d_weight[kPerLane], d_bias[kPerLane];
#pragma unroll
  for (int i = 0; i < kPerLane; ++i)
    d_weight[i] = d_bias[i] = 0.f;
  for (std::int64_t r = warp; r < a.rows; r += warps) {
    const std::int64_t base = r * a.cols;
    const float mean = a.mean[r], rstd = a.rstd[r];
    float xhat[kPerLane], g[kPerLane];
    float sum_g = 0.f, sum_gx = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int c = lane + i * kWarp;
      xhat[i] = g[i] = 0.f;
      if (c < a.cols) {
        const float dy = load_bf16(a.d_normed, base + c);
        xhat[i] = (a.sum[base + c] - mean) * rstd;
        g[i] = dy * a.weight[c];
        d_weight[i] += dy * xhat[i];
        d_bias[i] += dy;
      }
      sum_g += g[i];
      sum_gx += g[i] * xhat[i];
    }
    const float mean_g = warp_sum(sum_g) * inv_cols;
    const float mean_gx = warp_sum(sum_gx) * inv_cols;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int c = lane + i * kWarp;
      if (c < a.cols) {
        float dx = rstd * (g[i] - mean_g - xhat[i] * mean_gx);
        if (a.d_sum)
          dx += a.d_sum[base + c];
        a.d_x[base + c] = dx;
        store_bf16(a.d_delta, base + c, dx);
      }
    }
  }
  // Every warp writes its row, zeros where it had no rows: `partials` is not cleared.
  float* weight_part = a.partials + warp * a.cols;
  float* bias_part = a.partials + (warps + warp) * a.cols;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int c = lane + i * kWarp;
    if (c < a.cols) {
      weight_part[c] = d_weight[i];
      bias_part[c] = d_bias[i];
    }
  }
}

// Calls f with std::integral_constant<int, columns per lane> for `cols`.
template <class F> void with_cols_per_lane(int cols, F&& f) {
  if (cols <= 0 || cols > kMaxNormCols)
    throw std::invalid_argument("add_layer_norm kernels take 1 to " + std::to_string(kMaxNormCols) +
                                " columns, not " + std::to_string(cols));
  if (cols <= 128)
    f(std::integral_constant<int, 4>{});
  else if (cols <= 256)
    f(std::integral_constant<int, 8>{});
  else if (cols <= 384)
    f(std::integral_constant<int, 12>{});
  else if (cols <= 512)
    f(std::integral_constant<int, 16>{});
  else if (cols <= 768)
    f(std::integral_constant<int, 24>{});
  else if (cols <= 1024)
    f(std::integral_constant<int, 32>{});
  else
    f(std::integral_constant<int, 40>{});
}

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

// Blocks that fill every multiprocessor once (or cover every row, if fewer).
// Queried once per kernel and device, before any CUDA-graph capture reaches
// it: the training step's warm-up runs eagerly first.
template <class Kernel> int resident_blocks(Kernel kernel, std::atomic<int> (&cache)[kMaxDevices]) {
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  std::atomic<int>& slot = cache[device % kMaxDevices];
  int blocks = slot.load(std::memory_order_relaxed);
  if (blocks == 0) {
    int sms = 0, per_sm = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
          "cudaDeviceGetAttribute");
    check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kBlock, 0),
          "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
    blocks = std::max(1, sms * per_sm);
    slot.store(blocks, std::memory_order_relaxed);
  }
  return blocks;
}

int grid_for(std::int64_t rows, int resident) {
  const std::int64_t needed = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(needed, resident)));
}

#if defined(__CUDACC__)
template <class Args>
void launch(void (*kernel)(Args), int blocks, void* stream, const Args& args) {
  kernel<<<blocks, kBlock, 0, static_cast<cudaStream_t>(stream)>>>(args);
}
#else
// Compiled as C++ by tests/test_cuda_kernels.cpp, whose stand-in CUDA headers
// run each warp's 32 threads on CPU threads.
template <class Args> void launch(void (*kernel)(Args), int blocks, void*, const Args& args) {
  emulation::launch(kernel, blocks, kBlock, args);
}
#endif

template <int kPerLane> int forward_blocks(std::int64_t rows) {
  static std::atomic<int> cache[kMaxDevices];
  return grid_for(rows, resident_blocks(forward_kernel<kPerLane>, cache));
}

template <int kPerLane> int backward_blocks(std::int64_t rows) {
  static std::atomic<int> cache[kMaxDevices];
  return grid_for(rows, resident_blocks(backward_kernel<kPerLane>, cache));
}

} // namespace

int add_layer_norm_partial_rows(std::int64_t rows, int cols) {
  int blocks = 0;
  with_cols_per_lane(
      cols, [&](auto per_lane) { blocks = backward_blocks<decltype(per_lane)::value>(rows); });
  return blocks * kWarpsPerBlock;
}

void add_layer_norm_forward(const AddLayerNormForward& args, void* stream) {
  with_cols_per_lane(args.cols, [&](auto per_lane) {
    constexpr int kPerLane = decltype(per_lane)::value;
    launch(forward_kernel<kPerLane>, forward_blocks<kPerLane>(args.rows), stream, args);
  });
  check(cudaGetLastError(), "add_layer_norm forward kernel");
}

void add_layer_norm_backward(const AddLayerNormBackward& args, void* stream) {
  with_cols_per_lane(args.cols, [&](auto per_lane) {
    constexpr int kPerLane = decltype(per_lane)::value;
    launch(backward_kernel<kPerLane>, backward_blocks<kPerLane>(args.rows), stream, args);
  });
  check(cudaGetLastError(), "add_layer_norm backward kernel");
}

} // namespace mae::cuda
