#include "base/nearest_name.h"

#include <gtest/gtest.h>

namespace mae {
namespace {

const std::vector<std::string> kCommands = {"info",  "reconstruct", "train", "probe", "finetune",
                                            "bench", "fetch",       "pack",  "sweep"};

TEST(NearestName, SuggestsTheNameATypoWasMeantToBe) {
  EXPECT_EQ(nearest_name("trian", kCommands), "train"); // two letters swapped
  EXPECT_EQ(nearest_name("reconstuct", kCommands), "reconstruct");
  EXPECT_EQ(nearest_name("Probe", kCommands), "probe"); // case
  EXPECT_EQ(nearest_name("fine-tune", kCommands), "finetune");
  EXPECT_EQ(nearest_name("mask_ratoi", {"mask_ratio", "mask_strategy"}), "mask_ratio");
  EXPECT_EQ(nearest_name("confg", {"config", "steps", "out"}), "config");
}

TEST(NearestName, GuessesNothingForStrangersOrShortWords) {
  EXPECT_EQ(nearest_name("plot", kCommands), "");  // nothing near it
  EXPECT_EQ(nearest_name("ou", {"out"}), "");      // too short to guess
  EXPECT_EQ(nearest_name("train", kCommands), ""); // not a typo
  EXPECT_EQ(nearest_name("xyzzyx", kCommands), "");
  EXPECT_EQ(nearest_name("anything", {}), "");
  EXPECT_EQ(did_you_mean("trian", kCommands), " (did you mean 'train'?)");
  EXPECT_EQ(did_you_mean("--confg", {"--config"}, ""), " (did you mean --config?)");
  EXPECT_EQ(did_you_mean("zzz", kCommands), "");
}

} // namespace
} // namespace mae
