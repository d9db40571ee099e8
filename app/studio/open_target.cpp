#include "open_target.h"

#include "base/file_extension.h"
#include "checkpoint/model_path.h"
#include "data/image_io.h"

#include <filesystem>
#include <system_error>

namespace mae::studio {
namespace fs = std::filesystem;

TargetKind classify_path(const std::string& path) {
  if (names_a_model(path))
    return TargetKind::Model;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return TargetKind::Unsupported;
  if (is_image_path(path))
    return TargetKind::Image;
  if (lower_extension(path) == ".json")
    return TargetKind::Document;
  return TargetKind::Unsupported;
}

bool needs_architecture(const std::string& load_error) {
  return load_error.find("attention heads") != std::string::npos ||
         load_error.find("--arch") != std::string::npos;
}

StartupModel choose_startup_model(const std::string& requested, const std::string& default_path,
                                  const std::string& models_dir) {
  std::error_code ec;
  if (!requested.empty() && fs::exists(requested, ec))
    return {requested, ""};
  // A --model that does not exist: the default, saying so.
  const std::string not_found =
      requested.empty() ? "" : requested + " not found: using the default model instead";
  if (fs::exists(default_path, ec))
    return {default_path, not_found};
  // The largest model is the most capable one people are likely to have put there.
  std::string best;
  uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(models_dir, ec)) {
    if (!entry.is_regular_file(ec) || lower_extension(entry.path().string()) != ".safetensors")
      continue;
    const uintmax_t size = entry.file_size(ec);
    if (!ec && (best.empty() || size > best_size))
      best = entry.path().string(), best_size = size;
  }
  const std::string missing = fs::path(default_path).filename().string() + " not found";
  if (!best.empty())
    return {best, missing + ": using " + fs::path(best).filename().string() + " instead"};
  return {"", missing + ": no model loaded - drop a model file on the window"};
}

} // namespace mae::studio
