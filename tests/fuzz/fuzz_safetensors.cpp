// libFuzzer target: parse_safetensors on arbitrary bytes. Only mae::Error may
// escape the parser; anything else (another exception, a sanitizer report, a
// view reaching outside the buffer) is a finding.
#include "base/errors.h"
#include "formats/safetensors.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace mae {
namespace {

void fuzz_one(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<const FileBytes>(std::vector<uint8_t>(data, data + size));
  SafetensorsFile file;
  try {
    file = parse_safetensors(bytes, "fuzz.safetensors");
  } catch (const Error&) {
    return;
  }
  // Every view the parser accepts must lie inside the buffer: read it all,
  // so ASan sees any byte outside.
  for (const auto& [name, view] : file.tensors) {
    if (view.data < bytes->begin() || view.nbytes() > static_cast<size_t>(bytes->end() - view.data))
      std::abort();
    volatile uint8_t sink = 0;
    for (uint8_t b : view.contiguous_bytes())
      sink = sink ^ b;
    (void)file.find(name);
  }
}

} // namespace
} // namespace mae

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mae::fuzz_one(data, size);
  return 0;
}
