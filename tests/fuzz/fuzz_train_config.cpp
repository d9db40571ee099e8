// libFuzzer target: parse_train_config on arbitrary text. Only mae::Error may
// escape; a config that parses must also survive its own round trip (runs
// save it with train_config_json and read it back on resume).
#include "base/errors.h"
#include "train/train_config.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace mae {
namespace {

void fuzz_one(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  TrainConfig c;
  try {
    c = parse_train_config(text, "fuzz.json");
  } catch (const Error&) {
    return;
  }
  const std::string saved = train_config_json(c);
  TrainConfig back;
  try {
    back = parse_train_config(saved, "saved.json");
  } catch (const Error&) {
    std::abort(); // a valid config wrote a file it cannot read back
  }
  if (train_config_json(back) != saved)
    std::abort();
}

} // namespace
} // namespace mae

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mae::fuzz_one(data, size);
  return 0;
}
