// A whole training step (forward, backward, optimizer) captured once as a
// CUDA graph and replayed: MAE's shapes are static because every strategy
// keeps the same number of patches, so one capture serves the whole run and
// the CPU launches one graph instead of thousands of kernels per step.
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>

namespace mae {

// Whether this build can capture CUDA graphs (LibTorch with CUDA).
bool cuda_graphs_supported();

class CudaGraphStep {
public:
  // `body` runs one step reading the static inputs it closes over and returns
  // the loss. The first `warmup` runs go eagerly on a side stream (cuBLAS and
  // the allocator settle), the next is captured; every later run replays.
  // `reset_grads` is called just before capture so that the captured
  // backward allocates the gradients inside the graph's memory pool.
  CudaGraphStep(std::function<torch::Tensor()> body, std::function<void()> reset_grads,
                int warmup = 3);
  ~CudaGraphStep();

  // The step's loss (a graph-owned buffer, valid until the next run).
  torch::Tensor run();
  bool captured() const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
