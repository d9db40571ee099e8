// Parity with HuggingFace transformers' ViTMAEForPreTraining on the fixture
// in tests/fixtures/vitmae (see its README), for all three key layouts.
#include "test_util.h"

#include "checkpoint/checkpoint.h"
#include "model/masking_types.h"
#include "model/model_config.h"

#include <gtest/gtest.h>

namespace mae {
namespace {

struct Layout {
  const char* name;
  const char* path;
  bool needs_config;
};

class ParityTest : public ::testing::TestWithParam<Layout> {};

MaeOutput run_fixture(MaskedAutoencoderViT& model) {
  torch::NoGradGuard no_grad;
  const auto pixels = test::load_tensor(test::fixture("inputs.safetensors"), "pixel_values");
  const auto noise = test::load_tensor(test::fixture("inputs.safetensors"), "noise");
  return model->forward(pixels, noise, num_kept(noise.size(1), model->config().mask_ratio));
}

void expect_matches_fixture(const MaeOutput& out) {
  const std::string expected = test::fixture("expected.safetensors");
  EXPECT_LE(test::max_abs_diff(out.pred, test::load_tensor(expected, "pred")), 1e-4);
  EXPECT_LE(test::max_abs_diff(out.latent, test::load_tensor(expected, "latent")), 1e-4);
  const double loss = test::load_tensor(expected, "loss").item<double>();
  EXPECT_LE(std::abs(out.loss.item<double>() - loss) / std::abs(loss), 1e-5);
  EXPECT_TRUE(torch::equal(out.mask, test::load_tensor(expected, "mask")));
  EXPECT_TRUE(torch::equal(out.ids_restore, test::load_tensor(expected, "ids_restore")));
}

LoadedModel load_layout(const Layout& layout) {
  LoadOptions options;
  if (layout.needs_config)
    options.config = load_model_config(test::fixture("mae_config.json"));
  return load_model(test::fixture(layout.path), options);
}

TEST_P(ParityTest, MatchesTransformers) {
  LoadedModel loaded = load_layout(GetParam());
  expect_matches_fixture(run_fixture(loaded.model));
}

TEST_P(ParityTest, ConvertedToOurFormatGivesIdenticalOutputs) {
  LoadedModel loaded = load_layout(GetParam());
  const auto before = run_fixture(loaded.model);
  const std::string path =
      test::temp_dir(std::string("convert_") + GetParam().name) + "/model.safetensors";
  save_model(path, loaded.model);
  LoadedModel again = load_model(path);
  EXPECT_EQ(again.format, CheckpointFormat::MaeStudio);
  EXPECT_EQ(again.model->config(), loaded.model->config());
  const auto after = run_fixture(again.model);
  EXPECT_TRUE(torch::equal(before.pred, after.pred));
  EXPECT_TRUE(torch::equal(before.latent, after.latent));
  EXPECT_TRUE(torch::equal(before.loss, after.loss));
}

INSTANTIATE_TEST_SUITE_P(Layouts, ParityTest,
                         ::testing::Values(Layout{"hf", "hf", false},
                                           Layout{"hf_t5", "hf_t5", false},
                                           Layout{"official", "official.pth", true}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Parity, HfFileBesideConfigLoadsLikeItsDirectory) {
  LoadedModel loaded = load_model(test::fixture("hf/model.safetensors"));
  EXPECT_EQ(loaded.format, CheckpointFormat::HuggingFace);
  expect_matches_fixture(run_fixture(loaded.model));
}

TEST(Parity, FormatsAreDetected) {
  EXPECT_EQ(load_model(test::fixture("hf")).format, CheckpointFormat::HuggingFace);
  EXPECT_EQ(load_layout({"official", "official.pth", true}).format, CheckpointFormat::OfficialPth);
}

} // namespace
} // namespace mae
