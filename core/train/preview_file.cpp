#include "train/preview_file.h"

#include "base/errors.h"
#include "formats/safetensors.h"

#include <filesystem>

namespace mae {
namespace {

const char* const kParts[] = {"masked", "reconstruction_visible", "original"};

Image* part(ReconstructionPreview& p, int k) {
  return k == 0 ? &p.masked : k == 1 ? &p.reconstruction_visible : &p.original;
}
const Image* part(const ReconstructionPreview& p, int k) {
  return part(const_cast<ReconstructionPreview&>(p), k);
}

Image read_image(const SafetensorsFile& f, const std::string& name, const std::string& path) {
  const TensorView* t = f.find(name);
  if (!t || t->dtype != DType::U8 || t->shape.size() != 3 || t->shape[0] < 1 || t->shape[1] < 1 ||
      (t->shape[2] != 1 && t->shape[2] != 3))
    throw CheckpointError(path + ": '" + name + "' is not a uint8 HxWx1 or HxWx3 image");
  // Previews are model inputs, a few hundred pixels a side: a larger one would be
  // copied whole into memory for nothing a run writes.
  if (t->shape[0] > kMostPreviewSide || t->shape[1] > kMostPreviewSide)
    throw CheckpointError(path + ": '" + name + "' is " + std::to_string(t->shape[0]) + "x" +
                          std::to_string(t->shape[1]) + " pixels, larger than any preview (" +
                          std::to_string(kMostPreviewSide) + " a side at most)");
  Image img(static_cast<int>(t->shape[1]), static_cast<int>(t->shape[0]),
            static_cast<int>(t->shape[2]));
  img.pixels = t->contiguous_bytes();
  return img;
}

} // namespace

void write_preview_file(const std::string& path, int64_t step,
                        const std::vector<ReconstructionPreview>& previews) {
  std::vector<SafetensorsEntry> entries;
  for (size_t i = 0; i < previews.size(); ++i)
    for (int k = 0; k < 3; ++k) {
      const Image* img = part(previews[i], k);
      entries.push_back({std::to_string(i) + "." + kParts[k],
                         DType::U8,
                         {img->height, img->width, img->channels},
                         img->pixels.data(),
                         img->pixels.size()});
    }
  write_safetensors(path, entries,
                    {{"step", std::to_string(step)}, {"rows", std::to_string(previews.size())}});
}

PreviewFile read_preview_file(const std::string& path) {
  PreviewFile out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return out;
  const SafetensorsFile f = read_safetensors(path);
  try {
    out.step = std::stoll(f.metadata.at("step"));
    const long long rows = std::stoll(f.metadata.at("rows"));
    if (rows < 0 || rows > 64)
      throw CheckpointError(path + ": " + std::to_string(rows) + " preview rows");
    out.previews.resize(static_cast<size_t>(rows));
  } catch (const std::logic_error&) { // std::out_of_range, std::invalid_argument
    throw CheckpointError(path + ": not a preview file (no step / rows metadata)");
  }
  for (size_t i = 0; i < out.previews.size(); ++i)
    for (int k = 0; k < 3; ++k)
      *part(out.previews[i], k) = read_image(f, std::to_string(i) + "." + kParts[k], path);
  return out;
}

} // namespace mae
