#include "runtime/assets.h"

#include <cstdlib>

namespace mae {

std::string asset_dir() {
  if (const char* env = std::getenv("MAE_STUDIO_ASSETS"))
    return env;
  return MAE_SOURCE_DIR "/assets";
}

std::string shader_dir() {
  if (const char* env = std::getenv("MAE_STUDIO_SHADERS"))
    return env;
  return MAE_SOURCE_DIR "/shaders";
}

std::string default_model_path() {
  return asset_dir() + "/models/default.safetensors";
}

std::string default_image_path() {
  return asset_dir() + "/images/chelsea.png";
}

} // namespace mae
