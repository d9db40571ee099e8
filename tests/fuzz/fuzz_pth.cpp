// libFuzzer target: parse_pth (zip + unpickler + tensor views) on arbitrary
// bytes, then each tensor copied out as a caller would. Only mae::Error may
// escape, and the heap parsing holds must stay within a fixed multiple of
// the input size (as for the unpickler, see fuzz_pickle.cpp).
#include "base/errors.h"
#include "formats/pth_reader.h"
#include "heap_peak.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace mae {
namespace {

constexpr size_t kBytesPerInputByte = 512;
constexpr size_t kSlackBytes = size_t{2} << 20;

void fuzz_one(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<const FileBytes>(std::vector<uint8_t>(data, data + size));
  PthFile file;
  const size_t used = HeapPeak::measure([&] {
    try {
      file = parse_pth(bytes, "fuzz.pth");
    } catch (const Error&) {
    }
  });
  if (used > kBytesPerInputByte * size + kSlackBytes) {
    std::fprintf(stderr, "parse_pth of %zu bytes held %zu bytes of heap at its peak\n", size, used);
    std::abort();
  }
  // The reader promises views inside their storage with no more elements
  // than it holds: following the strides must stay in the buffer (ASan).
  for (const auto& [name, view] : file.tensors) {
    volatile uint8_t sink = 0;
    for (uint8_t b : view.contiguous_bytes())
      sink = sink ^ b;
  }
}

} // namespace
} // namespace mae

MAE_HEAP_BOUNDED_FUZZ_TARGET(mae::fuzz_one)
