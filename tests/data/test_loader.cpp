// The training loader: deterministic across worker counts, augmentation,
// corrupt images skipped and counted.
#include "test_util.h"
#include "trainer_fixture.h"

#include "data/augment.h"
#include "data/data_loader.h"
#include "data/shards.h"

#ifdef MAE_WITH_OPENCV
#include "data/image_folder.h"
#include "data/image_io.h"
#endif

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <set>

namespace mae {
namespace {

TEST_F(TrainerTest, LoaderIsDeterministicAcrossWorkerCounts) {
  const ShardDataset data(shards_);
  TrainConfig c = test::tiny_train_config(shards_);
  c.num_workers = 0;
  TrainLoader serial(data, c.loader(), 8, false, 0);
  c.num_workers = 3;
  TrainLoader parallel(data, c.loader(), 8, false, 0);
  std::set<size_t> epoch0;
  for (int k = 0; k < 10; ++k) {
    const HostBatch a = serial.next(), b = parallel.next();
    ASSERT_TRUE(torch::equal(a.pixels, b.pixels)) << "micro-batch " << k;
    ASSERT_TRUE(torch::equal(a.mask_scores, b.mask_scores));
    ASSERT_TRUE(torch::equal(a.labels, b.labels));
    for (size_t j = 0; j < a.slots.size(); ++j)
      ASSERT_TRUE(a.slots[j].box == b.slots[j].box);
    if (k < 8)
      for (size_t i : serial.batch_indices(k))
        epoch0.insert(i);
  }
  EXPECT_EQ(epoch0.size(), 64u);                               // an epoch visits every image once
  EXPECT_NE(serial.batch_indices(0), serial.batch_indices(8)); // and the next is reshuffled
}

TEST(Augment, IdentityCropFlipAndChannels) {
  Image img(4, 4, 1);
  for (size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<uint8_t>(i * 10);
  const auto cpu = torch::Device(torch::kCPU);
  const auto plain =
      crop_resize(pack_images({img}, {CropBox{0, 0, 4, 4, false}}, false), 4, 1, cpu);
  const auto expect = torch::arange(16, torch::kFloat32).view({1, 1, 4, 4}) * 10 / 255;
  EXPECT_LT(test::max_abs_diff(plain, expect), 1e-6);
  const auto flipped =
      crop_resize(pack_images({img}, {CropBox{0, 0, 4, 4, true}}, false), 4, 3, cpu);
  EXPECT_EQ(flipped.sizes(), (std::vector<int64_t>{1, 3, 4, 4}));
  EXPECT_LT(test::max_abs_diff(flipped[0][2], expect[0][0].flip({1})), 1e-6);
  const auto crop = crop_resize(pack_images({img}, {CropBox{1, 2, 2, 2, false}}, false), 8, 1, cpu);
  EXPECT_EQ(crop.sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_GE(crop.min().item<float>(), 0.0f);
  EXPECT_LE(crop.max().item<float>(), 1.0f);
}

#ifdef MAE_WITH_OPENCV
TEST(CorruptImages, AreSkippedAndCounted) {
  const std::string root = test::train_tmp("corrupt_folder");
  for (int i = 0; i < 15; ++i)
    write_png(root + "/img" + std::to_string(i) + ".png", test::synthetic_image(i, 3));
  std::ofstream(root + "/img7x.png") << "garbage, not an image";
  const ImageFolderDataset data(root);
  ASSERT_EQ(data.size(), 16u);
  TrainConfig c = test::tiny_train_config(root, 3);
  c.data.type = "folder";
  TrainLoader loader(data, c.loader(), 2, false, 0);
  for (int k = 0; k < 4; ++k)
    EXPECT_EQ(loader.next().slots.size(), 8u); // two epochs: every image seen
  EXPECT_EQ(loader.skipped_images(), 1u);
}
#endif

} // namespace
} // namespace mae
