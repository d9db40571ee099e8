#include "base/file_extension.h"

#include <gtest/gtest.h>

namespace mae {
namespace {

// What decides an image, a model or the format an output is written in.
TEST(FileExtension, LowerCasedWithItsDotAndEmptyWithoutOne) {
  EXPECT_EQ(lower_extension("a/Photo.PNG"), ".png");
  EXPECT_EQ(lower_extension("model.tar.SafeTensors"), ".safetensors");
  EXPECT_EQ(lower_extension("a/notes"), "");
  EXPECT_EQ(lower_extension("a/.bashrc"), "");
  EXPECT_EQ(lower_extension("a.d/x"), "");
  EXPECT_EQ(lower_extension("runs/hf/"), "");
}

} // namespace
} // namespace mae
