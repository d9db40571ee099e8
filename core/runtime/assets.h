// Where the shipped assets (default models, demo images, lessons), shaders and
// configs live. In order: $MAE_STUDIO_ASSETS / $MAE_STUDIO_SHADERS; an
// installed layout beside the running binary (<prefix>/bin/mae ->
// <prefix>/share/mae-studio/); else the source tree the binary was built from.
#pragma once

#include <string>

namespace mae {

std::string asset_dir();
std::string shader_dir();
// configs/ (models, train, sweeps) of the same installation.
std::string config_dir();
// <prefix>/share/mae-studio when the running binary is installed, else "".
std::string installed_data_dir();
// assets/models/default.safetensors
std::string default_model_path();
// assets/images/chelsea.png
std::string default_image_path();

} // namespace mae
