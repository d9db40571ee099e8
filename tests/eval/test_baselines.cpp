// The inpainting baselines the GUI and `mae eval-recon` compare MAE with.
#include "base/errors.h"
#include "eval/baselines.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mae {
namespace {

// 4x4 patches of 4 px: a 16x16 picture.
constexpr int kGrid = 4;
constexpr int kPatch = 4;
constexpr int kSide = kGrid * kPatch;

Image gradient(int channels) {
  Image img(kSide, kSide, channels);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      for (int c = 0; c < channels; ++c)
        img.row(y)[x * channels + c] = static_cast<uint8_t>(40 + 8 * x + 4 * y + 20 * c);
  return img;
}

std::vector<uint8_t> centre_mask() {
  std::vector<uint8_t> m(kGrid * kGrid, 0);
  m[1 * kGrid + 1] = m[1 * kGrid + 2] = m[2 * kGrid + 1] = m[2 * kGrid + 2] = 1;
  return m;
}

bool removed(const std::vector<uint8_t>& m, int x, int y) {
  return m[(y / kPatch) * kGrid + x / kPatch] != 0;
}

TEST(Baselines, MaskedMseCountsOnlyRemovedPixels) {
  const auto mask = centre_mask();
  Image a(kSide, kSide, 3, 0), b(kSide, kSide, 3, 0);
  EXPECT_DOUBLE_EQ(masked_mse(a, b, mask, kGrid, kGrid, kPatch), 0.0);
  // Differences in visible pixels are ignored.
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      if (!removed(mask, x, y))
        b.row(y)[x * 3] = 255;
  EXPECT_DOUBLE_EQ(masked_mse(a, b, mask, kGrid, kGrid, kPatch), 0.0);
  // Channel 0 of every removed pixel off by 255: one third of the channels at error 1.
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      if (removed(mask, x, y))
        b.row(y)[x * 3] = 255;
  EXPECT_NEAR(masked_mse(a, b, mask, kGrid, kGrid, kPatch), 1.0 / 3.0, 1e-12);
  // Off by 51 everywhere: (0.2)^2.
  Image c(kSide, kSide, 3, 51);
  EXPECT_NEAR(masked_mse(a, c, mask, kGrid, kGrid, kPatch), 0.04, 1e-12);
}

TEST(Baselines, MaskedMseIsZeroWithNothingRemoved) {
  const std::vector<uint8_t> none(kGrid * kGrid, 0);
  EXPECT_DOUBLE_EQ(masked_mse(Image(kSide, kSide, 1, 0), Image(kSide, kSide, 1, 255), none, kGrid,
                              kGrid, kPatch),
                   0.0);
}

TEST(Baselines, FillVisibleMeanUsesVisiblePixelsOnly) {
  const auto mask = centre_mask();
  Image img(kSide, kSide, 3, 0);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      uint8_t* px = img.row(y) + x * 3;
      if (removed(mask, x, y)) {
        px[0] = px[1] = px[2] = 255; // must not leak into the mean
      } else {
        px[0] = 10, px[1] = (x < kSide / 2) ? 100 : 200, px[2] = 30;
      }
    }
  const Image out = fill_visible_mean(img, mask, kGrid, kGrid, kPatch);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const uint8_t* px = out.row(y) + x * 3;
      if (removed(mask, x, y)) {
        EXPECT_EQ(px[0], 10);
        EXPECT_EQ(px[1], 150);
        EXPECT_EQ(px[2], 30);
      } else {
        EXPECT_EQ(0, std::memcmp(px, img.row(y) + x * 3, 3));
      }
    }
}

TEST(Baselines, FillVisibleMeanIsGreyWhenEverythingIsRemoved) {
  const std::vector<uint8_t> all(kGrid * kGrid, 1);
  const Image out = fill_visible_mean(gradient(1), all, kGrid, kGrid, kPatch);
  for (uint8_t v : out.pixels)
    EXPECT_EQ(v, 128);
}

TEST(Baselines, TeleaKeepsVisiblePixelsAndFillsSmoothly) {
  for (int channels : {1, 3}) {
    const Image img = gradient(channels);
    const auto mask = centre_mask();
    const Image telea = inpaint_telea(img, mask, kGrid, kGrid, kPatch);
    ASSERT_EQ(telea.width, kSide);
    ASSERT_EQ(telea.channels, channels);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x)
        if (!removed(mask, x, y))
          for (int c = 0; c < channels; ++c)
            EXPECT_EQ(telea.row(y)[x * channels + c], img.row(y)[x * channels + c]);
    // On a smooth ramp, inpainting beats a flat fill by far.
    const double e_telea = masked_mse(telea, img, mask, kGrid, kGrid, kPatch);
    const double e_mean = masked_mse(fill_visible_mean(img, mask, kGrid, kGrid, kPatch), img, mask,
                                     kGrid, kGrid, kPatch);
    EXPECT_LT(e_telea, 0.5 * e_mean) << channels << " channels";
  }
}

TEST(Baselines, TeleaReproducesAConstantImage) {
  const Image flat(kSide, kSide, 3, 77);
  const Image out = inpaint_telea(flat, centre_mask(), kGrid, kGrid, kPatch);
  // OpenCV's Telea drifts by a level or two inside large holes.
  for (uint8_t v : out.pixels)
    EXPECT_NEAR(v, 77, 3);
}

TEST(Baselines, GeometryMismatchesAreImageErrors) {
  const auto mask = centre_mask();
  EXPECT_THROW(inpaint_telea(Image(kSide + 1, kSide, 3), mask, kGrid, kGrid, kPatch), ImageError);
  EXPECT_THROW(fill_visible_mean(gradient(3), std::vector<uint8_t>(3, 0), kGrid, kGrid, kPatch),
               ImageError);
  EXPECT_THROW(masked_mse(gradient(3), gradient(1), mask, kGrid, kGrid, kPatch), ImageError);
  EXPECT_THROW(masked_mse(gradient(3), gradient(3), mask, kGrid, kGrid, 0), ImageError);
}

} // namespace
} // namespace mae
