#include "runtime/assets.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace mae {
namespace fs = std::filesystem;

namespace {

// An installed binary sits in <prefix>/bin; its data in <prefix>/share/mae-studio.
// Found from the binary's own path so a package needs no environment variable.
std::string find_installed_data_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec)
    return "";
  const fs::path data = exe.parent_path().parent_path() / "share" / "mae-studio";
  return fs::is_directory(data / "assets", ec) ? data.string() : "";
}

std::string data_subdir(const char* env, const char* name) {
  if (const char* v = std::getenv(env); v && *v)
    return v;
  const std::string installed = installed_data_dir();
  if (!installed.empty())
    return installed + "/" + name;
  return std::string(MAE_SOURCE_DIR "/") + name;
}

} // namespace

std::string installed_data_dir() {
  static const std::string dir = find_installed_data_dir();
  return dir;
}

std::string asset_dir() {
  return data_subdir("MAE_STUDIO_ASSETS", "assets");
}

std::string shader_dir() {
  return data_subdir("MAE_STUDIO_SHADERS", "shaders");
}

std::string config_dir() {
  const std::string installed = installed_data_dir();
  return installed.empty() ? MAE_SOURCE_DIR "/configs" : installed + "/configs";
}

std::string default_model_path() {
  return asset_dir() + "/models/default.safetensors";
}

std::string default_image_path() {
  return asset_dir() + "/images/chelsea.png";
}

} // namespace mae
