#include "formats/container.h"

#include "base/file_extension.h"
#include <cstring>

namespace mae {
namespace {

bool is_safetensors(const uint8_t* d, size_t n) {
  if (n < 10)
    return false;
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | d[i];
  return header >= 2 && header <= n - 8 && d[8] == '{';
}

bool is_zip(const uint8_t* d, size_t n) {
  return n >= 4 && !std::memcmp(d, "PK\x03\x04", 4);
}

bool is_pickle(const uint8_t* d, size_t n) {
  return n >= 2 && d[0] == 0x80 && d[1] >= 2 && d[1] <= 5;
}

} // namespace

Container sniff_container(const uint8_t* d, size_t n, const std::string& path) {
  const std::string ext = lower_extension(path);
  const bool torch_ext = ext == ".pth" || ext == ".pt" || ext == ".bin" || ext == ".ckpt";
  if (ext == ".safetensors" && is_safetensors(d, n))
    return Container::Safetensors;
  if (torch_ext && is_zip(d, n))
    return Container::Zip;
  if (torch_ext && is_pickle(d, n))
    return Container::Pickle;
  if (is_safetensors(d, n))
    return Container::Safetensors;
  if (is_zip(d, n))
    return Container::Zip;
  if (is_pickle(d, n))
    return Container::Pickle;
  return Container::Unknown;
}

const char* to_string(Container c) {
  static const char* const kNames[] = {"safetensors", "zip archive (torch.save)",
                                       "pickle (legacy torch.save)", "unknown"};
  return kNames[static_cast<int>(c)];
}

} // namespace mae
