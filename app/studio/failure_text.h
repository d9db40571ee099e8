// The text of an error popup about one file.
#pragma once

#include <string>

namespace mae::studio {

// "File: <path>", the reason without repeating the path, and what is kept
// (`kind` "model", "image", ...: "Keeping the current model, x.safetensors.").
std::string failure_text(const std::string& path, const std::string& reason, const char* kind = "",
                         const std::string& kept = "");

} // namespace mae::studio
