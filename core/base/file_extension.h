// A file name's extension, lower-cased: how every layer decides what a path
// names (an image, a model, a video) or what to write to it. Torch-free.
#pragma once

#include <string>

namespace mae {

// ".png" for "a/Photo.PNG"; empty for "a/notes", "a/.bashrc" and "a.d/x".
std::string lower_extension(const std::string& path);

} // namespace mae
