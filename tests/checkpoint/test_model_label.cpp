#include "checkpoint/model_label.h"

#include <gtest/gtest.h>

namespace mae {
namespace {

// Two runs' model.safetensors side by side in Compare must not both read
// "model.safetensors".
TEST(ModelLabel, AFileNamedForWhatItIsKeepsItsFolder) {
  EXPECT_EQ(model_label("assets/models/default.safetensors"), "default.safetensors");
  EXPECT_EQ(model_label("/x/mae_visualize_vit_large.pth"), "mae_visualize_vit_large.pth");
  EXPECT_EQ(model_label("runs/tr1/model.safetensors"), "tr1/model.safetensors");
  EXPECT_EQ(model_label("runs/tr1/checkpoint.safetensors"), "tr1/checkpoint.safetensors");
  EXPECT_EQ(model_label("hf/vit-mae-base/model.safetensors"), "vit-mae-base/model.safetensors");
  EXPECT_EQ(model_label("model.safetensors"), "model.safetensors");
  EXPECT_EQ(model_label("./model.safetensors"), "model.safetensors");
  // A folder, with or without its trailing slash.
  EXPECT_EQ(model_label("runs/hf/"), "hf");
  EXPECT_EQ(model_label("runs/hf"), "hf");
}

} // namespace
} // namespace mae
