// Where the shipped assets (default models, demo images, shaders) live:
// $MAE_STUDIO_ASSETS, else the source tree the binary was built from.
#pragma once

#include <string>

namespace mae {

std::string asset_dir();
std::string shader_dir();
// assets/models/default.safetensors
std::string default_model_path();
// assets/images/chelsea.png
std::string default_image_path();

} // namespace mae
