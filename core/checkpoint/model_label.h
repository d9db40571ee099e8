// What figures, panels and tables call a model.
#pragma once

#include <string>

namespace mae {

// The file or folder name of `path`; a file whose name says nothing of the
// model (a run's model.safetensors or checkpoint.safetensors, a HuggingFace
// folder's model.safetensors) with its folder: "tr1/model.safetensors".
std::string model_label(const std::string& path);

} // namespace mae
