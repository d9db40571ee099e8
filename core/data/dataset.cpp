#include "data/dataset.h"

#include "data/data_config.h"

#include "base/errors.h"
#include "data/fashion_mnist.h"
#include "data/shards.h"
#include "runtime/seeded_rng.h"

#ifdef MAE_WITH_OPENCV
#include "data/image_folder.h"
#endif

namespace mae {
namespace {

std::unique_ptr<ImageDataset> open_path(const std::string& type, const std::string& path) {
  if (type == "shards")
    return std::make_unique<ShardDataset>(path);
#ifdef MAE_WITH_OPENCV
  return std::make_unique<ImageFolderDataset>(path);
#else
  throw DataError("this build has no OpenCV, so it cannot decode the image folder '" + path +
                  "': pack it with `mae pack` on a build with OpenCV and train from the shards");
#endif
}

// Random RGB images of a fixed size, a pure function of the index: what
// `mae bench` trains on to compare with references that use synthetic data.
class SyntheticDataset : public ImageDataset {
public:
  SyntheticDataset(size_t count, int side) : count_(count), side_(side) {}
  size_t size() const override { return count_; }
  const std::vector<std::string>& classes() const override { return classes_; }
  int label(size_t) const override { return -1; }
  Image load(size_t i) const override {
    Image img(side_, side_, 3);
    SeededRng rng(0x5eedu, RngStream::Crop, i, 0xda7au);
    for (size_t k = 0; k < img.pixels.size(); k += 8) {
      const uint64_t bits = rng.next();
      for (size_t j = 0; j < 8 && k + j < img.pixels.size(); ++j)
        img.pixels[k + j] = static_cast<uint8_t>(bits >> (8 * j));
    }
    return img;
  }
  std::string describe() const override {
    return "synthetic (" + std::to_string(count_) + " random " + std::to_string(side_) +
           "px images)";
  }

private:
  size_t count_;
  int side_;
  std::vector<std::string> classes_;
};

} // namespace

std::unique_ptr<ImageDataset> open_dataset(const DataConfig& data) {
  if (data.type == "fmnist")
    return std::make_unique<FashionMnistDataset>(data.path, /*train=*/true);
  if (data.type == "synthetic")
    return std::make_unique<SyntheticDataset>(data.synthetic_count, data.synthetic_size);
  if (data.type == "folder" || data.type == "shards")
    return open_path(data.type, data.path);
  throw ConfigError("config field 'data.type': unknown data source \"" + data.type + "\"");
}

std::unique_ptr<ImageDataset> open_held_out_dataset(const DataConfig& data) {
  if (data.type == "synthetic")
    return nullptr;
  if (data.type == "fmnist")
    return std::make_unique<FashionMnistDataset>(data.path, /*train=*/false);
  if (data.val_path.empty())
    return nullptr;
  return open_path(data.type, data.val_path);
}

} // namespace mae
