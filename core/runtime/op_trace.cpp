#include "runtime/op_trace.h"

#include "base/errors.h"

#include <torch/torch.h>
#include <torch/version.h>

#if MAE_WITH_PROFILER && TORCH_VERSION_MAJOR >= 2
#define MAE_KINETO 1
#include <torch/csrc/autograd/profiler_kineto.h>
#elif MAE_WITH_PROFILER
#define MAE_KINETO 0
#include <torch/csrc/autograd/profiler_legacy.h>
#endif

namespace mae {

#if MAE_WITH_PROFILER && MAE_KINETO

namespace {
namespace prof = torch::profiler::impl;

std::set<prof::ActivityType> activities() {
  std::set<prof::ActivityType> a{prof::ActivityType::CPU};
  if (torch::cuda::is_available())
    a.insert(prof::ActivityType::CUDA);
  return a;
}
} // namespace

struct OpTrace::Impl {
  std::string path;
  bool running = false;
};

OpTrace::OpTrace(std::string path) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  const prof::ProfilerConfig config(prof::ProfilerState::KINETO);
  torch::autograd::profiler::prepareProfiler(config, activities());
  torch::autograd::profiler::enableProfiler(config, activities());
  impl_->running = true;
}

void OpTrace::stop() {
  if (!impl_->running)
    return;
  impl_->running = false;
  torch::autograd::profiler::disableProfiler()->save(impl_->path);
}

std::string OpTrace::describe() {
  return "operators and CUDA kernels (Kineto)";
}

#elif MAE_WITH_PROFILER

struct OpTrace::Impl {
  std::unique_ptr<torch::autograd::profiler::RecordProfile> recorder;
};

OpTrace::OpTrace(std::string path) : impl_(std::make_unique<Impl>()) {
  impl_->recorder = std::make_unique<torch::autograd::profiler::RecordProfile>(path);
}

void OpTrace::stop() {
  impl_->recorder.reset(); // writes the file
}

std::string OpTrace::describe() {
  return "CPU operators (LibTorch's legacy profiler)";
}

#else

struct OpTrace::Impl {};

OpTrace::OpTrace(std::string) {
  throw UsageError("this build has no profiler (configured with -DMAE_PROFILER=OFF)");
}

void OpTrace::stop() {}

std::string OpTrace::describe() {
  return "nothing: built without the profiler";
}

#endif

OpTrace::~OpTrace() {
  try {
    stop();
  } catch (...) {
    // A trace that cannot be written is not worth a crash on the way out.
  }
}

} // namespace mae
