// The mark MAE Studio leaves in the PNGs it writes, by which a command tells
// its own figure (made again without asking) from the user's picture.
#include "data/image_io.h"
#include "data/png_mark.h"
#include "slurp.h"
#include "test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace mae {
namespace {

namespace fs = std::filesystem;

TEST(PngMark, OurFiguresCarryItAndDecodeToTheSamePixels) {
  const std::string dir = test::temp_dir("png_mark_ours");
  Image picture(17, 9, 3);
  for (size_t i = 0; i < picture.pixels.size(); ++i)
    picture.pixels[i] = static_cast<uint8_t>(i * 7);
  const Image before = picture;
  write_png(dir + "/figure.png", picture);
  EXPECT_EQ(picture.pixels, before.pixels) << "encoding changed the caller's picture";
  EXPECT_TRUE(png_written_by_mae(dir + "/figure.png"));
  const Image back = load_image(dir + "/figure.png");
  EXPECT_EQ(back.width, 17);
  EXPECT_EQ(back.height, 9);
  EXPECT_EQ(back.pixels, picture.pixels);
}

TEST(PngMark, OtherPicturesAndFilesDoNotCarryIt) {
  const std::string dir = test::temp_dir("png_mark_others");
  // A photograph written by another program.
  EXPECT_TRUE(fs::exists(std::string(MAE_SOURCE_DIR) + "/assets/images/chelsea.png"));
  EXPECT_FALSE(png_written_by_mae(std::string(MAE_SOURCE_DIR) + "/assets/images/chelsea.png"));
  test::write_file(dir + "/notes.png", "my notes, named .png by mistake");
  EXPECT_FALSE(png_written_by_mae(dir + "/notes.png"));
  EXPECT_FALSE(png_written_by_mae(dir + "/missing.png"));
  EXPECT_FALSE(png_written_by_mae(dir));
  // Our figure cut short before its mark ends is no longer known as ours.
  write_png(dir + "/figure.png", Image(4, 4, 1, 200));
  test::write_file(dir + "/cut.png", test::slurp(dir + "/figure.png").substr(0, 40));
  EXPECT_FALSE(png_written_by_mae(dir + "/cut.png"));
  // A FIFO is answered at once, not waited on.
  ASSERT_EQ(::mkfifo((dir + "/fifo.png").c_str(), 0600), 0);
  EXPECT_FALSE(png_written_by_mae(dir + "/fifo.png"));
}

TEST(PngMark, MarkingLeavesWhatIsNoPngAlone) {
  EXPECT_EQ(mark_png("not a picture at all, but long enough to be cut"),
            "not a picture at all, but long enough to be cut");
  EXPECT_EQ(mark_png(""), "");
}

} // namespace
} // namespace mae
