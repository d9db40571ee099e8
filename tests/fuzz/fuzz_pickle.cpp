// libFuzzer target: the unpickler on arbitrary bytes, with a persistent_load
// that accepts any id (as the .pth reader's storages do). Only mae::Error may
// escape. The heap the unpickler holds at its peak must stay within a fixed
// multiple of the input size: a small hostile pickle must not make it
// allocate gigabytes (quadratic copies, huge reservations).
#include "base/errors.h"
#include "formats/pickle.h"
#include "heap_peak.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace mae {
namespace {

// UnpickleLimits' budget (320 bytes per input byte) plus vector and hash
// table slack; the allowance covers a run's fixed costs.
constexpr size_t kBytesPerInputByte = 512;
constexpr size_t kSlackBytes = size_t{2} << 20;

void fuzz_one(const uint8_t* data, size_t size) {
  PersistentLoad load = [](const PickleValuePtr& pid) {
    auto v = std::make_shared<PickleValue>(PickleValue::Kind::Object);
    v->args = pid;
    return v;
  };
  const size_t used = HeapPeak::measure([&] {
    try {
      PickleValuePtr v = unpickle(data, size, "fuzz.pkl", load);
      (void)describe(*v);
      (void)v->global_name();
      (void)v->find("model");
    } catch (const Error&) {
    }
  });
  if (used > kBytesPerInputByte * size + kSlackBytes) {
    std::fprintf(stderr, "unpickle of %zu bytes held %zu bytes of heap at its peak\n", size, used);
    std::abort();
  }
}

} // namespace
} // namespace mae

MAE_HEAP_BOUNDED_FUZZ_TARGET(mae::fuzz_one)
