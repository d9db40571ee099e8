// Stand-in for the CUDA runtime header, for tests/test_cuda_kernels.cpp: it
// compiles the project's kernels as C++ and runs them on CPU threads, so CI
// checks their indexing and warp arithmetic on machines without a GPU.
//
// The model is narrow on purpose: it fits kernels whose only communication
// between threads is warp shuffles that every lane of a warp reaches together
// (no shared memory, no __syncthreads). Each warp runs as 32 threads; warps
// run one after another.
#pragma once

#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)

struct dim3 {
  unsigned x = 0, y = 1, z = 1;
};

inline thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

inline float rsqrtf(float x) {
  return 1.0f / std::sqrt(x);
}

using cudaStream_t = void*;
enum cudaError_t { cudaSuccess = 0 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount };

inline const char* cudaGetErrorString(cudaError_t) {
  return "no error";
}
inline cudaError_t cudaGetLastError() {
  return cudaSuccess;
}
inline cudaError_t cudaGetDevice(int* device) {
  *device = 0;
  return cudaSuccess;
}

namespace emulation {

// Two multiprocessors holding one block each: small grids, so that warps
// stride over several rows in the tests.
constexpr int kMultiprocessors = 2;

// All 32 lanes of a warp wait here until every one has arrived.
class WarpBarrier {
public:
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const unsigned generation = generation_;
    if (++arrived_ == 32) {
      arrived_ = 0;
      ++generation_;
      all_.notify_all();
      return;
    }
    all_.wait(lock, [&] { return generation_ != generation; });
  }

private:
  std::mutex mutex_;
  std::condition_variable all_;
  unsigned arrived_ = 0, generation_ = 0;
};

struct Warp {
  float lanes[32] = {};
  WarpBarrier barrier;
};

inline thread_local Warp* current_warp = nullptr;

template <class Args>
void launch(void (*kernel)(Args), int blocks, int threads_per_block, const Args& args) {
  for (int b = 0; b < blocks; ++b)
    for (int first = 0; first < threads_per_block; first += 32) {
      Warp warp;
      std::vector<std::thread> lanes;
      for (int lane = 0; lane < 32; ++lane)
        lanes.emplace_back([&, b, first, lane] {
          blockIdx.x = static_cast<unsigned>(b);
          threadIdx.x = static_cast<unsigned>(first + lane);
          blockDim.x = static_cast<unsigned>(threads_per_block);
          gridDim.x = static_cast<unsigned>(blocks);
          current_warp = &warp;
          kernel(args);
        });
      for (auto& t : lanes)
        t.join();
    }
}

} // namespace emulation

inline float __shfl_xor_sync(unsigned, float value, int lane_mask) {
  emulation::Warp& warp = *emulation::current_warp;
  const unsigned lane = threadIdx.x % 32;
  warp.lanes[lane] = value;
  warp.barrier.wait();
  const float other = warp.lanes[lane ^ static_cast<unsigned>(lane_mask)];
  warp.barrier.wait();
  return other;
}

inline cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr, int) {
  *value = emulation::kMultiprocessors;
  return cudaSuccess;
}

template <class Kernel>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, Kernel, int, size_t) {
  *blocks = 1;
  return cudaSuccess;
}
