#include "train/cuda_graph_step.h"

#include "base/errors.h"

#include <torch/torch.h>

#if MAE_WITH_CUDA
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

namespace mae {

bool cuda_graphs_supported() {
  return true;
}

struct CudaGraphStep::Impl {
  std::function<torch::Tensor()> body;
  std::function<void()> reset_grads;
  int warmup_left = 0;
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  torch::Tensor loss;
};

CudaGraphStep::CudaGraphStep(std::function<torch::Tensor()> body, std::function<void()> reset_grads,
                             int warmup)
    : impl_(std::make_unique<Impl>()) {
  impl_->body = std::move(body);
  impl_->reset_grads = std::move(reset_grads);
  impl_->warmup_left = warmup;
}

torch::Tensor CudaGraphStep::run() {
  Impl& m = *impl_;
  if (m.graph) {
    m.graph->replay();
    return m.loss;
  }
  // Warm-up and capture run on a side stream, fenced by device syncs: a
  // one-off cost at the start of the run.
  torch::cuda::synchronize();
  auto side = c10::cuda::getStreamFromPool();
  torch::Tensor loss;
  {
    c10::cuda::CUDAStreamGuard guard(side);
    if (m.warmup_left > 0) {
      --m.warmup_left;
      loss = m.body();
    } else {
      m.reset_grads();
      // Cached weight casts would be baked into the graph and go stale.
      const bool cache = at::autocast::is_autocast_cache_enabled();
      at::autocast::set_autocast_cache_enabled(false);
      m.graph = std::make_unique<at::cuda::CUDAGraph>();
      // Thread-local capture: data-loading threads may allocate pinned memory meanwhile.
      m.graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      m.loss = m.body();
      m.graph->capture_end();
      at::autocast::set_autocast_cache_enabled(cache);
    }
  }
  torch::cuda::synchronize();
  if (!m.graph)
    return loss;
  m.graph->replay(); // capturing recorded the step; replaying runs it
  return m.loss;
}

} // namespace mae

#else

namespace mae {

bool cuda_graphs_supported() {
  return false;
}

struct CudaGraphStep::Impl {};

CudaGraphStep::CudaGraphStep(std::function<torch::Tensor()>, std::function<void()>, int) {
  throw UsageError("this build of LibTorch has no CUDA: CUDA graphs are unavailable");
}

torch::Tensor CudaGraphStep::run() {
  return {};
}

} // namespace mae

#endif

namespace mae {

CudaGraphStep::~CudaGraphStep() = default;

bool CudaGraphStep::captured() const {
#if MAE_WITH_CUDA
  return impl_->graph != nullptr;
#else
  return false;
#endif
}

} // namespace mae
