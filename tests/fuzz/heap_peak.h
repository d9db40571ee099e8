// The peak heap a call holds, for fuzz targets that check memory is bounded
// by the input size. Sampled through the sanitizer allocator's malloc hook.
#pragma once

#include <sanitizer/allocator_interface.h>

#include <cstddef>

namespace mae {

class HeapPeak {
public:
  // Call once, from LLVMFuzzerInitialize.
  static void install() { __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free); }

  // Bytes the heap held at its peak while `f` ran, above what it held before.
  template <typename F> static size_t measure(F&& f) {
    const size_t before = __sanitizer_get_current_allocated_bytes();
    peak_ = before;
    armed_ = true;
    f();
    armed_ = false;
    return peak_ - before;
  }

private:
  static void on_malloc(const volatile void*, size_t) {
    if (!armed_)
      return;
    const size_t now = __sanitizer_get_current_allocated_bytes();
    if (now > peak_)
      peak_ = now;
  }
  static void on_free(const volatile void*) {}

  static inline bool armed_ = false;
  static inline size_t peak_ = 0;
};

} // namespace mae

// The libFuzzer entry points of a target that runs `fuzz_one(data, size)`
// with the heap hook installed (fuzz_pickle, fuzz_pth).
#define MAE_HEAP_BOUNDED_FUZZ_TARGET(fuzz_one)                                                     \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                                             \
    mae::HeapPeak::install();                                                                      \
    return 0;                                                                                      \
  }                                                                                                \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                        \
    fuzz_one(data, size);                                                                          \
    return 0;                                                                                      \
  }
