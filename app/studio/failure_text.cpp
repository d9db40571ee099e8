#include "failure_text.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace mae::studio {

std::string failure_text(const std::string& path, const std::string& reason, const char* kind,
                         const std::string& kept) {
  std::string why = reason;
  if (why.rfind(path + ": ", 0) == 0)
    why = why.substr(path.size() + 2);
  std::string text = "File: " + path + "\n\n" + why;
  if (!kept.empty())
    text += std::string("\n\nKeeping the current ") + kind + ", " +
            fs::path(kept).filename().string() + ".";
  return text;
}

} // namespace mae::studio
