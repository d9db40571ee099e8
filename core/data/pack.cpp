#include "data/pack.h"

#include "base/errors.h"
#include "data/image_folder.h"
#include "data/image_io.h"
#include "data/shards.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <thread>

namespace mae {
namespace {

constexpr size_t kChunk = 256; // images decoded in parallel before writing in order
constexpr size_t kReportedSkips = 20;

// The centre of `img` with its long side at most max_aspect x its short one.
// Cropped before the resize, so a strip of a picture is never scaled up
// whole: 1 x 40000 pixels at short side 224 would be 9 million.
Image crop_to_aspect(const Image& img, double max_aspect) {
  const double most = std::floor(std::min(img.width, img.height) * max_aspect);
  const int cw = static_cast<int>(std::min<double>(img.width, most));
  const int ch = static_cast<int>(std::min<double>(img.height, most));
  if (cw == img.width && ch == img.height)
    return img;
  Image crop(cw, ch, img.channels);
  const int top = (img.height - ch) / 2, left = (img.width - cw) / 2;
  for (int y = 0; y < ch; ++y)
    std::copy_n(img.row(top + y) + static_cast<size_t>(left) * img.channels,
                static_cast<size_t>(cw) * img.channels, crop.row(y));
  return crop;
}

Image prepare(const Image& decoded, const PackOptions& o) {
  const Image cropped = crop_to_aspect(decoded, o.max_aspect);
  const double scale = static_cast<double>(o.short_side) / std::min(cropped.width, cropped.height);
  const int w = std::max(1, static_cast<int>(std::lround(cropped.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(cropped.height * scale)));
  return convert_channels(resize_image(cropped, w, h), o.channels);
}

} // namespace

PackReport pack_image_folder(const std::string& input, const std::string& out_dir,
                             const PackOptions& o) {
  if (o.short_side < 8 || o.short_side > 4096)
    throw UsageError("short side must be in [8, 4096]");
  if (o.channels != 1 && o.channels != 3)
    throw UsageError("channels must be 1 or 3");
  if (!(o.max_aspect >= 1.0 && o.max_aspect <= 32.0)) // pictures beyond 32:1 are refused anyway
    throw UsageError("max aspect must be in [1, 32]");
  const FolderScan scan = scan_image_folder(input);
  ShardWriter writer(out_dir, o.channels, o.short_side, scan.classes, o.shard_bytes);
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  PackReport report;
  report.classes = scan.classes.size();
  const size_t total = scan.files.size();
  for (size_t start = 0; start < total; start += kChunk) {
    const size_t end = std::min(total, start + kChunk);
    std::vector<std::optional<Image>> images(end - start);
    std::vector<std::string> errors(end - start);
    std::atomic<size_t> next{start};
    const auto work = [&] {
      for (size_t i = next++; i < end; i = next++) {
        try {
          images[i - start] = prepare(load_image(scan.files[i]), o);
        } catch (const Error& e) {
          errors[i - start] = e.what();
        } catch (const std::exception& e) { // OpenCV's or an allocation's: one picture lost,
          errors[i - start] = scan.files[i] + ": " + e.what(); // not the pack (nor a terminate)
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
      pool.emplace_back(work);
    work();
    for (auto& t : pool)
      t.join();
    for (size_t i = start; i < end; ++i) {
      if (images[i - start]) {
        writer.add(*images[i - start], scan.labels[i]);
      } else {
        ++report.skipped;
        if (report.skipped_files.size() < kReportedSkips)
          report.skipped_files.push_back(errors[i - start]);
      }
    }
    if (o.progress)
      o.progress(end, total);
  }
  if (writer.count() == 0)
    throw DataError("no image in '" + input + "' could be read");
  writer.finish();
  report.images = writer.count();
  report.shards = writer.shard_count();
  report.bytes = writer.bytes_written();
  return report;
}

} // namespace mae
