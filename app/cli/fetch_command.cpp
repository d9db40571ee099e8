#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "fetch/model_cache.h"
#include "train/progress_bar.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace mae::cli {
namespace fs = std::filesystem;
namespace {

// "model.safetensors 412.3/1321.0 MB 31% 12.3 MB/s"
std::string byte_progress(const FetchProgress& p) {
  char text[160];
  const double done = static_cast<double>(p.bytes.done) / 1e6;
  if (p.bytes.total > 0)
    std::snprintf(text, sizeof text, "%s  %.1f/%.1f MB  %.0f%%  %.1f MB/s", p.stage.c_str(), done,
                  static_cast<double>(p.bytes.total) / 1e6,
                  100.0 * static_cast<double>(p.bytes.done) / static_cast<double>(p.bytes.total),
                  p.bytes.bytes_per_s / 1e6);
  else
    std::snprintf(text, sizeof text, "%s  %.1f MB  %.1f MB/s", p.stage.c_str(), done,
                  p.bytes.bytes_per_s / 1e6);
  return text;
}

void list_models(const std::vector<CatalogEntry>& catalog, const std::string& cache) {
  std::error_code ec;
  for (const CatalogEntry& e : catalog) {
    const bool cached = fs::exists(cached_model_path(e, cache), ec);
    std::printf("%-34s %-8s %s\n", e.name.c_str(), cached ? "cached" : "", e.description.c_str());
  }
  std::printf("\ncache: %s\n", cache.c_str());
}

} // namespace

int run_fetch(int argc, const char* const* argv) {
  Args args("fetch",
            "Download one of the paper's public MAE checkpoints (the official repo's .pth files,\n"
            "the HuggingFace hub's facebook/vit-mae-*), check its size and checksum, convert it\n"
            "to MAE Studio's format and keep it in the cache; prints the converted file's path.\n"
            "An interrupted download resumes when run again. Proxies: http_proxy, https_proxy.");
  args.positional("NAME", "the model to get (see --list)", false)
      .flag("list", "list the models and which are cached")
      .option("catalog", "FILE.json", "the list of models", default_catalog_path())
      .option("cache", "DIR",
              "where converted models are kept (default: "
              "$XDG_CACHE_HOME/mae-studio/models)")
      .option("stall-timeout", "S", "stop a transfer slower than 1 KB/s for S seconds", "30")
      .range(1, 3600);
  if (!parse_command(args, argc, argv, kThreads))
    return 0;
  const std::vector<CatalogEntry> catalog = load_catalog(args.get("catalog"));
  const std::string cache = args.has("cache") ? args.get("cache") : default_model_cache();
  std::error_code ec; // refused before --list reports on it
  if (fs::exists(cache, ec) && !fs::is_directory(cache, ec))
    throw UsageError("the model cache '" + cache + "' is a file, not a folder");
  if (args.flag_set("list") || !args.has("NAME")) {
    if (!args.flag_set("list"))
      throw UsageError("name a model to fetch; the catalog has:\n" + [&] {
        std::string names;
        for (const CatalogEntry& e : catalog)
          names += "  " + e.name + "\n";
        return names;
      }() + "(mae fetch --list describes them)");
    list_models(catalog, cache);
    return 0;
  }
  const long long stall = args.get_int("stall-timeout");

  const CatalogEntry& entry = find_entry(catalog, args.get("NAME"));
  catch_interrupt();
  std::atomic<bool> cancel{false};
  ProgressBar bar(stderr, ProgressBar::stderr_is_tty());
  FetchOptions options;
  options.cache_dir = cache;
  options.stall_timeout_s = static_cast<int>(stall);
  options.cancel = &cancel;
  options.on_progress = [&](const FetchProgress& p) {
    cancel = interrupted(); // Ctrl-C: stop, keeping the part to resume
    bar.show(byte_progress(p), p.bytes.total > 0 && p.bytes.done == p.bytes.total);
  };
  std::string path;
  try {
    path = fetch_model(entry, options);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  release_interrupt();
  std::cout << path << "\n";
  return 0;
}

} // namespace mae::cli
