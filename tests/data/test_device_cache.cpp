// The batched (device-cache) crop path against the per-image one.
#include "train_test_util.h"

#include "data/augment.h"
#include "data/batch_source.h"
#include "data/data_loader.h"
#include "data/device_image_cache.h"
#include "train/lr_schedule.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

// A few images of different sizes and channel counts.
class SmallDataset : public ImageDataset {
public:
  SmallDataset() {
    for (int i = 0; i < 6; ++i)
      images_.push_back(test::synthetic_image(i, i == 2 ? 1 : 3));
  }
  size_t size() const override { return images_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  int label(size_t) const override { return -1; }
  Image load(size_t i) const override { return images_[i]; }
  std::string describe() const override { return "small"; }

private:
  std::vector<Image> images_;
  std::vector<std::string> classes_;
};

// What the run's "batches:" line says about the host loader, one count at a time.
TEST(BatchSource, SaysHowBatchesAreMadeOnTheHost) {
  SmallDataset data;
  LoaderConfig config;
  config.batch_size = 2;
  config.img_size = 16;
  config.grid = 4;
  const std::pair<int, const char*> cases[] = {{0, "read on the training thread (num_workers 0)"},
                                               {1, "streamed from the host by 1 worker thread"},
                                               {3, "streamed from the host by 3 worker threads"}};
  for (const auto& [workers, expected] : cases) {
    config.num_workers = workers;
    const BatchSource source(data, config, 3, torch::kCPU, 0);
    EXPECT_EQ(source.describe(), expected);
  }
}

TEST(DeviceImageCache, MatchesThePerImageCropWhenEnlarging) {
  SmallDataset data;
  auto cache = DeviceImageCache::build(data, torch::kCPU, int64_t{1} << 30);
  ASSERT_TRUE(cache);
  EXPECT_EQ(cache->size(), 6u);
  std::vector<size_t> indices;
  std::vector<CropBox> boxes;
  std::vector<Image> images;
  SeededRng rng(7);
  for (size_t i : {3, 0, 2, 5, 1}) {
    const Image img = data.load(i);
    EXPECT_EQ(cache->height(i), img.height);
    EXPECT_EQ(cache->width(i), img.width);
    // Crops smaller than the output, so neither path antialiases; one touches
    // the bottom-right corner, one is mirrored.
    CropBox b;
    b.height = 8 + static_cast<int>(rng.below(8));
    b.width = 8 + static_cast<int>(rng.below(8));
    b.top = i == 5 ? img.height - b.height : static_cast<int>(rng.below(img.height - b.height + 1));
    b.left = i == 5 ? img.width - b.width : static_cast<int>(rng.below(img.width - b.width + 1));
    b.flip = i == 0;
    indices.push_back(i);
    boxes.push_back(b);
    images.push_back(img);
  }
  const auto batched = cache->crop_resize(indices, boxes, 24, 3);
  const auto reference = crop_resize(pack_images(images, boxes, false), 24, 3, torch::kCPU);
  ASSERT_EQ(batched.sizes(), reference.sizes());
  // Same bicubic kernel and coordinates. Only near the crop's edges do they
  // differ: the per-image path repeats the crop's edge pixels, the batched
  // one reads the real neighbours beyond it.
  const auto interior = [](const torch::Tensor& t) { return t.slice(2, 8, 16).slice(3, 8, 16); };
  EXPECT_LT((interior(batched) - interior(reference)).abs().max().item<float>(), 2e-3f);
  EXPECT_LT((batched - reference).abs().mean().item<float>(), 0.03f);
}

TEST(TrainLoader, RepeatsADatasetSmallerThanABatch) {
  SmallDataset data; // 6 images
  TrainConfig config = test::tiny_train_config("repeat");
  config.batch_size = 16;
  config.num_workers = 0;
  const int64_t micro_per_epoch = training_length(config, data.size()).steps_per_epoch;
  ASSERT_EQ(micro_per_epoch, 1); // 3 repeats of 6 images: one batch of 16
  TrainLoader loader(data, config.loader(), micro_per_epoch, false, 0);
  const auto indices = loader.batch_indices(0);
  ASSERT_EQ(indices.size(), 16u);
  std::vector<int> seen(6, 0);
  for (size_t i : indices)
    ++seen[i];
  for (int n : seen)
    EXPECT_GE(n, 2); // every image at least twice, none more than three times
  EXPECT_EQ(*std::max_element(seen.begin(), seen.end()), 3);
  EXPECT_NE(loader.batch_indices(1), indices); // a new shuffle each epoch
}

TEST(DeviceImageCache, RefusesDatasetsOverTheBudget) {
  SmallDataset data;
  EXPECT_FALSE(DeviceImageCache::build(data, torch::kCPU, 100));
}

} // namespace
} // namespace mae
