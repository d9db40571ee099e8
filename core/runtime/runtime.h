// Process-wide runtime set-up shared by every binary: thread count and device.
#pragma once

#include <exception>
#include <string>

namespace c10 {
struct Device;
}

namespace mae {

// How many threads to use: `requested` when positive, else $MAE_THREADS, else
// the machine's cores less `reserved` and less those other processes keep
// busy (cpu_load.h); at least one.
int thread_count(int requested, int reserved = 0);

// Debian's LibTorch starts with one thread. Sets intra-op threads to
// thread_count(requested); returns the count.
int configure_threads(int requested = 0);

// Whether the last configure_threads chose the count itself (no --threads, no
// $MAE_THREADS): long CPU work may then probe for a faster one (thread_probe.h).
bool threads_automatic();

// Keeps freed tensor memory in the process for the next step instead of
// handing it back to the kernel and faulting it in again (glibc; no-op
// elsewhere). Call once, at start-up.
void tune_allocator();

bool cuda_available();

// What to tell a user about an exception the core did not type: LibTorch's
// errors without their C++ stack trace, std::bad_alloc as running out of memory.
std::string exception_text(const std::exception& e);

// "auto" (CUDA when present), "cpu", "cuda" or "cuda:N". Throws UsageError
// when CUDA is asked for and absent.
c10::Device resolve_device(const std::string& name);

// "CPU (2 threads)" or "CUDA: NVIDIA H200".
std::string device_description(const c10::Device& device);

// Which kernels scaled_dot_product_attention may use on CUDA: "auto"
// (LibTorch's choice), "flash", "efficient", "cudnn" or "math". Needs
// LibTorch 2.5 or later for anything but "auto".
void set_attention_backend(const std::string& name);

} // namespace mae
