#include "checkpoint/model_path.h"

#include "base/file_extension.h"

#include <filesystem>
#include <system_error>

namespace mae {

bool has_model_extension(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".safetensors" || ext == ".pth" || ext == ".pt" || ext == ".bin" || ext == ".ckpt";
}

bool names_a_model(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return has_model_extension(path);
  for (const char* name : {"config.json", "model.safetensors", "pytorch_model.bin"})
    if (fs::exists(fs::path(path) / name, ec))
      return true;
  return false;
}

} // namespace mae
