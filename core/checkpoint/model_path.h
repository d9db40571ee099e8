// Whether a path names a model by its name alone, before reading it: what the
// app's drop and the CLI's hints go by. read_checkpoint decides for real.
// Torch-free.
#pragma once

#include <string>

namespace mae {

// .safetensors, .pth, .pt, .bin or .ckpt (any case).
bool has_model_extension(const std::string& path);

// A file of those, or a folder holding a HuggingFace model (config.json,
// model.safetensors or pytorch_model.bin).
bool names_a_model(const std::string& path);

} // namespace mae
