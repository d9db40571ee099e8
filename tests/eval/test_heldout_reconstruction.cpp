// The held-out reconstruction error a training run logs is `mae eval-recon`'s
// masked-region MSE: for one picture, the mean over masks of what the
// Reconstructor reports, and Telea's error on the same masks.
#include "tiny_models.h"
#include "train_test_util.h"

#include "checkpoint/checkpoint.h"
#include "eval/baselines.h"
#include "eval/heldout_reconstruction.h"
#include "eval/reconstructor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace mae {
namespace {

// [1, C, H, W] in [0, 1].
torch::Tensor tensor01(const Image& img) {
  auto t = torch::empty({1, img.channels, img.height, img.width});
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < img.channels; ++c)
        t[0][c][y][x] = img.row(y)[x * img.channels + c] / 255.0;
  return t;
}

// A 16x16 crop of a synthetic stripe picture: the tiny model's size.
Image picture() {
  const Image full = test::synthetic_image(5, 3);
  Image img(16, 16, 3);
  for (int y = 0; y < 16; ++y)
    std::copy_n(full.row(y), 16 * 3, img.row(y));
  return img;
}

TEST(HeldOutReconstruction, IsTheReconstructorsMaskedMseAveragedOverMasks) {
  torch::manual_seed(7);
  MaskedAutoencoderViT model(test::tiny_model(3));
  const std::string path = test::train_tmp("heldout_recon") + "/tiny.safetensors";
  save_model(path, model);
  auto reconstructor = Reconstructor::load(path, {}, "cpu");
  const Normalization n = Normalization::imagenet(3);
  reconstructor->set_normalization(n);

  const Image img = picture();
  const int masks = 3;
  double model_expected = 0, telea_expected = 0;
  for (int k = 0; k < masks; ++k) {
    const ReconstructionResult r =
        reconstructor->run(img, {MaskStrategy::Random, 0.75, static_cast<uint64_t>(k), {}});
    model_expected += r.masked_mse / masks;
    const Image telea = inpaint_telea(img, r.mask, r.grid_h, r.grid_w, r.patch_size);
    telea_expected += masked_mse(telea, img, r.mask, r.grid_h, r.grid_w, r.patch_size) / masks;
  }
  const HeldOutReconstruction heldout(tensor01(img), n, {MaskStrategy::Random, 0.75, 99, {}}, masks,
                                      4);
  EXPECT_EQ(heldout.pictures(), 1);
  EXPECT_EQ(heldout.masks(), masks);
  EXPECT_GT(model_expected, 0.001); // an untrained model: a real error to compare
  EXPECT_NEAR(heldout.model_mse(model), model_expected, 1e-6);
  ASSERT_TRUE(heldout.telea_mse());
  EXPECT_NEAR(*heldout.telea_mse(), telea_expected, 1e-9);
  EXPECT_TRUE(model->is_training()) << "the evaluation leaves the model as it found it";
}

TEST(HeldOutReconstruction, AveragesOverPicturesBeyondOneChunk) {
  torch::manual_seed(3);
  MaskedAutoencoderViT model(test::tiny_model(3));
  const auto one = tensor01(picture());
  const Normalization n = Normalization::imagenet(3);
  // The same mask on every row: 12 of the 4x4 patches removed.
  const MaskSettings same{
      MaskStrategy::Custom, 0.75, 0, {1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1}};
  const HeldOutReconstruction single(one, n, same, 1, 4);
  const HeldOutReconstruction many(one.repeat({40, 1, 1, 1}), n, same, 1, 4);
  EXPECT_EQ(many.pictures(), 40);
  EXPECT_NEAR(many.model_mse(model), single.model_mse(model), 1e-6);
}

} // namespace
} // namespace mae
