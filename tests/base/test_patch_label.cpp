#include "base/patch_label.h"

#include <gtest/gtest.h>

namespace mae {
namespace {

// How it works counted rows from 1 and Attention from 0: one patch read off
// one tab landed on another patch in the next.
TEST(PatchLabel, CountsRowsAndColumnsFromZeroLikeThePatchIndex) {
  EXPECT_EQ(patch_label(31, 14), "patch 31 (row 2, col 3)");
  EXPECT_EQ(patch_label(0, 14), "patch 0 (row 0, col 0)");
  EXPECT_EQ(patch_label(195, 14), "patch 195 (row 13, col 13)");
  EXPECT_EQ(patch_label(5, 0), "patch 5 (row 5, col 0)"); // no grid: one column
}

} // namespace
} // namespace mae
