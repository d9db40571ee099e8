#include "runtime/runtime.h"

#include "base/errors.h"
#include "base/whole_number.h"
#include "runtime/cpu_load.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace mae {

namespace {

std::atomic<bool> automatic_threads{false};

// The count asked for by `requested`, else $MAE_THREADS; 0 when neither asks.
int asked_threads(int requested) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // More threads than this only wait for each other at every barrier.
  const int most = std::max(4, 4 * cores);
  int n = requested;
  std::string source = "--threads";
  if (n <= 0)
    if (const char* env = std::getenv("MAE_THREADS"); env && *env) {
      const std::optional<long long> v = whole_number(env, 0, 1 << 20);
      if (!v)
        throw UsageError(std::string("MAE_THREADS=") + env +
                         ": expected a whole number of threads (0: as many as are free)");
      n = static_cast<int>(*v);
      source = "MAE_THREADS";
    }
  if (n > most)
    throw UsageError(source + " " + std::to_string(n) + ": this machine has " +
                     std::to_string(cores) + " cores; use at most " + std::to_string(most) +
                     " threads (4 a core: more only wait for each other)");
  return std::max(n, 0);
}

} // namespace

int thread_count(int requested, int reserved) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int n = asked_threads(requested);
  return n > 0 ? n : std::max(1, cores - reserved - cores_in_use(cores));
}

int configure_threads(int requested) {
  automatic_threads = asked_threads(requested) == 0;
  const int n = thread_count(requested);
  torch::set_num_threads(n);
  return n;
}

bool threads_automatic() {
  return automatic_threads;
}

void tune_allocator() {
#ifdef __GLIBC__
  // A training step frees and reallocates the same large activations every
  // step. glibc returns blocks over its mmap threshold to the kernel and trims
  // the heap top, so each step faulted its memory in again (about 17k page
  // faults a step of the micro model, 13 % of its time in the kernel). Fixed
  // thresholds keep that memory for reuse.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

std::string exception_text(const std::exception& e) {
  constexpr const char* kTooMuch =
      "out of memory: the run asks for more memory than this machine has (a smaller batch, "
      "model or picture needs less)";
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) {
    const std::string text = c10_error->what_without_backtrace();
    // LibTorch's allocator: "[enforce fail at alloc_cpu.cpp:75] ... can't allocate memory".
    if (text.find("can't allocate memory") != std::string::npos ||
        text.find("CUDA out of memory") != std::string::npos) {
      const size_t asked = text.find("you tried to allocate"); // "... N bytes."
      const size_t end = text.find('.', asked);
      return std::string(kTooMuch) +
             (asked == std::string::npos ? "" : ": " + text.substr(asked, end - asked));
    }
    return text;
  }
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return kTooMuch;
  return e.what();
}

bool cuda_available() {
  return torch::cuda::is_available();
}

c10::Device resolve_device(const std::string& name) {
  if (name.empty() || name == "auto")
    return cuda_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (name == "cpu")
    return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!cuda_available())
      throw UsageError("device '" + name +
                       "' requested but CUDA is not available in this build or machine");
    try {
      torch::Device d(name);
      if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
        throw UsageError("device '" + name + "' does not exist (" +
                         std::to_string(torch::cuda::device_count()) + " CUDA devices)");
      return d;
    } catch (const c10::Error&) {
      throw UsageError("bad device name '" + name + "'");
    }
  }
  throw UsageError("unknown device '" + name + "' (use auto, cpu, cuda or cuda:N)");
}

std::string device_description(const c10::Device& device) {
  if (device.is_cuda())
    return "CUDA:" + std::to_string(device.has_index() ? device.index() : 0);
  const int n = torch::get_num_threads();
  return "CPU (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
}

void set_attention_backend(const std::string& name) {
  if (name == "auto")
    return;
  if (name != "flash" && name != "efficient" && name != "cudnn" && name != "math")
    throw UsageError("attention backend '" + name +
                     "' is not one of auto, flash, efficient, cudnn, math");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
  auto& context = at::globalContext();
  context.setSDPUseFlash(name == "flash");
  context.setSDPUseMemEfficient(name == "efficient");
  context.setSDPUseCuDNN(name == "cudnn");
  context.setSDPUseMath(name == "math");
#else
  throw UsageError("choosing the attention backend needs LibTorch 2.5 or later");
#endif
}

} // namespace mae
