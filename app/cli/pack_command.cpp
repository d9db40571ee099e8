#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "base/foreign_files.h"
#include "base/name_list.h"
#include "data/pack.h"
#include "data/shards.h"
#include "runtime/runtime.h"

#include <cstdio>
#include <filesystem>

namespace mae::cli {

int run_pack(int argc, const char* const* argv) {
  Args args("pack",
            "Pack an image folder (recursive; class subfolders become labels) into uint8 shards\n"
            "with a fixed short side, for training without decoding (and without OpenCV).");
  args.option("input", "DIR", "image folder")
      .option("out", "DIR", "shard directory to write")
      .option("short-side", "PX", "short side of the stored images", "112")
      .option("channels", "1|3", "stored channels", "3")
      .option("max-aspect", "R", "crop the long side to at most R x the short side", "2")
      .range(1, 32) // 3e7 overflowed the crop's int
      .option("shard-mb", "MB", "size of each shard file", "256")
      .range(1, 16384)
      .flag("force", "replace the pack that --out already holds (or write among other files)");
  if (!parse_command(args, argc, argv, kThreads))
    return 0;

  // Another pack's shards (perhaps at another size, hours of packing) are the user's.
  const std::filesystem::path index = std::filesystem::path(args.get("out")) / kShardIndexName;
  std::error_code ec;
  if (std::filesystem::exists(index, ec) && !args.flag_set("force"))
    throw UsageError("--out " + args.get("out") + " already holds a pack (" + kShardIndexName +
                     "): choose another folder, or pass --force to replace it");
  // A folder of photos (the input itself), a home folder: shards among them.
  if (const auto others = foreign_files(args.get("out"), is_pack_file);
      !others.empty() && !args.flag_set("force"))
    throw UsageError("--out " + args.get("out") + " is not empty and holds no pack (" +
                     short_name_list(others) +
                     "): choose a new or empty folder, or write into this one with --force");
  PackOptions o;
  o.short_side = args.get_int32("short-side");
  o.channels = args.get_int32("channels");
  o.max_aspect = args.get_double("max-aspect");
  const long long mb = args.get_int("shard-mb");
  o.shard_bytes = static_cast<size_t>(mb) << 20;
  o.threads = thread_count(threads_option(args)); // $MAE_THREADS and busy cores, as the help says
  o.progress = [](size_t done, size_t total) {
    std::fprintf(stderr, "\rpacked %zu/%zu", done, total);
    if (done == total)
      std::fputc('\n', stderr);
  };
  const PackReport r = pack_image_folder(args.get("input"), args.get("out"), o);
  std::printf("packed %zu images (%zu classes) into %d shard%s, %.1f MB, in %s\n", r.images,
              r.classes, r.shards, r.shards == 1 ? "" : "s", static_cast<double>(r.bytes) / 1e6,
              args.get("out").c_str());
  if (r.skipped > 0) {
    std::printf("skipped %zu unreadable images:\n", r.skipped);
    for (const auto& f : r.skipped_files)
      std::printf("  %s\n", f.c_str());
    if (r.skipped > r.skipped_files.size())
      std::printf("  ... and %zu more\n", r.skipped - r.skipped_files.size());
  }
  return 0;
}

} // namespace mae::cli
