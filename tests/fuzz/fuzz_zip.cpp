// libFuzzer target: the zip reader on arbitrary bytes, then every entry's
// bytes read in full. Only mae::Error may escape.
#include "base/errors.h"
#include "formats/zip_archive.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace mae {
namespace {

void fuzz_one(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<const FileBytes>(std::vector<uint8_t>(data, data + size));
  (void)looks_like_zip(*bytes);
  try {
    const ZipArchive zip = ZipArchive::open(bytes, "fuzz.zip");
    for (const std::string& name : zip.names()) {
      if (!zip.contains(name))
        std::abort(); // names() and the index disagree
      try {
        const auto [p, n] = zip.entry(name);
        // An accepted entry must lie inside the buffer; touch each byte.
        if (p < bytes->begin() || n > static_cast<size_t>(bytes->end() - p))
          std::abort();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < n; ++i)
          sink = sink ^ p[i];
      } catch (const Error&) {
        // compressed or encrypted entries are refused one by one
      }
    }
    (void)zip.contains("archive/data.pkl");
  } catch (const Error&) {
  }
}

} // namespace
} // namespace mae

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mae::fuzz_one(data, size);
  return 0;
}
