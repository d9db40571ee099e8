#include "checkpoint/model_label.h"

#include <filesystem>

namespace mae {

std::string model_label(const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (p.filename().empty()) // "runs/hf/"
    p = p.parent_path();
  const std::string name = p.filename().string();
  const std::string stem = p.stem().string();
  const bool says_nothing = stem == "model" || stem == "checkpoint" || stem == "pytorch_model";
  const std::string folder = p.parent_path().filename().string();
  return says_nothing && !folder.empty() && folder != "." && folder != ".." ? folder + "/" + name
                                                                            : name;
}

} // namespace mae
