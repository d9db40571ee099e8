// `mae pack`: an image folder to shards (shards.h). Images are decoded on
// worker threads, the long side centre-cropped to at most max_aspect times
// the short one (in [1, 32]), resized so that the short side is `short_side`
// (area when shrinking, bicubic when enlarging), and converted to `channels`. Unreadable files
// are skipped and counted. The output is the same for any thread count.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mae {

struct PackOptions {
  int short_side = 112;
  int channels = 3;
  double max_aspect = 2.0;
  size_t shard_bytes = size_t{256} << 20;
  int threads = 0; // 0: every core
  std::function<void(size_t done, size_t total)> progress;
};

struct PackReport {
  size_t images = 0, skipped = 0;
  std::vector<std::string> skipped_files; // with the reason, the first few
  size_t classes = 0;
  int shards = 0;
  size_t bytes = 0;
};

// Throws DataError when the input holds no images or the output cannot be written.
PackReport pack_image_folder(const std::string& input, const std::string& out_dir,
                             const PackOptions& options);

} // namespace mae
