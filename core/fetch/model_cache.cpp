#include "fetch/model_cache.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"

#include <cstdlib>
#include <filesystem>

namespace mae {
namespace fs = std::filesystem;

std::string default_model_cache() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "mae-studio" / "models").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".cache" / "mae-studio" / "models").string();
  throw FetchError("no cache folder: set XDG_CACHE_HOME or HOME, or pass --cache DIR");
}

std::string cached_model_path(const CatalogEntry& entry, const std::string& cache_dir) {
  return (fs::path(cache_dir) / (entry.name + ".safetensors")).string();
}

namespace {

void report(const FetchOptions& o, const std::string& stage, const DownloadProgress& p = {}) {
  if (o.on_progress)
    o.on_progress({stage, p});
}

// The downloaded files as a model: a HuggingFace folder, or the one .pth /
// .safetensors with the entry's architecture where it names one.
void convert(const CatalogEntry& entry, const fs::path& folder, const std::string& out) {
  const bool hf = fs::exists(folder / "config.json");
  const std::string source = hf ? folder.string() : (folder / entry.files.front().name).string();
  LoadOptions options;
  options.arch = hf ? "" : entry.arch;
  LoadedModel loaded = load_model(source, options);
  std::map<std::string, std::string> metadata;
  for (const auto& [k, v] : loaded.metadata)
    if (k != "format" && k != "format_version" && k != "mae_config")
      metadata[k] = v;
  metadata["converted_from"] = to_string(loaded.format);
  metadata["fetched_from"] = entry.files.back().url;
  save_model(out, loaded.model, metadata);
}

} // namespace

std::string fetch_model(const CatalogEntry& entry, const FetchOptions& options) {
  const std::string cache = options.cache_dir.empty() ? default_model_cache() : options.cache_dir;
  const std::string out = cached_model_path(entry, cache);
  std::error_code ec;
  if (fs::exists(out, ec))
    return out;
  const fs::path folder = fs::path(cache) / "partial" / entry.name;
  fs::create_directories(folder, ec);
  if (ec)
    throw FetchError("cannot create the cache folder " + folder.string() + ": " + ec.message());

  const size_t n = entry.files.size();
  for (size_t i = 0; i < n; ++i) {
    const CatalogFile& f = entry.files[i];
    const fs::path done = folder / f.name;
    if (fs::exists(done, ec))
      continue; // verified in an earlier, interrupted fetch
    const std::string stage =
        "downloading " + f.name +
        (n > 1 ? " (" + std::to_string(i + 1) + " of " + std::to_string(n) + ")" : "");
    DownloadRequest request;
    request.url = f.url;
    request.part_path = done.string() + ".part";
    request.expected_size = f.size;
    request.expected_sha256 = f.sha256;
    request.stall_timeout_s = options.stall_timeout_s;
    request.cancel = options.cancel;
    request.on_progress = [&](const DownloadProgress& p) { report(options, stage, p); };
    report(options, stage);
    try {
      download_file(request);
    } catch (const FetchError& e) {
      throw FetchError(entry.name + ": " + f.name + ": " + e.what());
    }
    fs::rename(request.part_path, done);
  }
  report(options, "converting to MAE Studio's format");
  try {
    convert(entry, folder, out);
  } catch (const Error& e) {
    // Downloaded and verified, yet not a model we can read: nothing to resume.
    fs::remove_all(folder, ec);
    throw FetchError(entry.name +
                     ": downloaded, but it is not a model MAE Studio can read: " + e.what());
  }
  fs::remove_all(folder, ec);
  return out;
}

} // namespace mae
