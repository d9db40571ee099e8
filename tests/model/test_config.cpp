#include "base/errors.h"
#include "error_of.h"
#include "model/flops.h"
#include "model/model_config.h"
#include "model/model_info.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mae {
namespace {

// The error thrown for `json` must name `field`.
void expect_rejected(const std::string& json, const std::string& field) {
  try {
    parse_model_config(json, "test.json");
    ADD_FAILURE() << "accepted: " << json;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + field + "'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test.json"), std::string::npos) << e.what();
  }
}

TEST(Config, NamedArchitecturesMatchTheOfficialConstructors) {
  const ModelConfig b = builtin_model_config("mae_vit_base_patch16");
  EXPECT_EQ(b.embed_dim, 768);
  EXPECT_EQ(b.depth, 12);
  EXPECT_EQ(b.num_heads, 12);
  const ModelConfig l = builtin_model_config("mae_vit_large_patch16");
  EXPECT_EQ(l.embed_dim, 1024);
  EXPECT_EQ(l.depth, 24);
  EXPECT_EQ(l.num_heads, 16);
  const ModelConfig h = builtin_model_config("mae_vit_huge_patch14");
  EXPECT_EQ(h.embed_dim, 1280);
  EXPECT_EQ(h.depth, 32);
  EXPECT_EQ(h.patch_size, 14);
  for (const auto* c : {&b, &l, &h}) {
    EXPECT_EQ(c->decoder_embed_dim, 512);
    EXPECT_EQ(c->decoder_depth, 8);
    EXPECT_EQ(c->decoder_num_heads, 16);
    EXPECT_EQ(c->layer_norm_eps, 1e-6);
  }
  for (const auto& name : builtin_model_names())
    EXPECT_NO_THROW(builtin_model_config(name).validate()) << name;
}

TEST(Config, UnknownArchitectureListsTheKnownOnes) {
  try {
    builtin_model_config("mae_vit_gigantic");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mae_vit_large_patch16"), std::string::npos);
  }
}

TEST(Config, JsonRoundTrip) {
  ModelConfig c = builtin_model_config("mae_vit_tiny_patch16");
  c.norm_pix_loss = true;
  c.layer_norm_eps = 1e-12;
  EXPECT_EQ(parse_model_config(model_config_json(c), "x"), c);
}

TEST(Config, InvalidValuesNameTheField) {
  expect_rejected(R"({"embed_dim": 100, "num_heads": 16})", "num_heads");
  expect_rejected(R"({"img_size": 225})", "img_size");
  expect_rejected(R"({"mask_ratio": 1.0})", "mask_ratio");
  expect_rejected(R"({"mask_ratio": -0.1})", "mask_ratio");
  expect_rejected(R"({"decoder_embed_dim": 100, "decoder_num_heads": 16})", "decoder_num_heads");
  expect_rejected(R"({"patch_size": 0})", "patch_size");
  expect_rejected(R"({"layer_norm_eps": 0})", "layer_norm_eps");
  expect_rejected(R"({"depth": "twelve"})", "depth");
  expect_rejected(R"({"norm_pix_loss": 1})", "norm_pix_loss");
  expect_rejected(R"({"embed_dimm": 768})", "embed_dimm");
  EXPECT_THROW(parse_model_config("{not json", "x"), ConfigError);
}

TEST(Config, HuggingFaceConfigMapsToOfficialNames) {
  const auto hf = nlohmann::json::parse(
      R"({"model_type": "vit_mae", "hidden_size": 768, "num_hidden_layers": 12,
    "num_attention_heads": 12, "intermediate_size": 3072, "decoder_hidden_size": 512, "decoder_num_hidden_layers": 8,
    "decoder_num_attention_heads": 16, "decoder_intermediate_size": 2048, "image_size": 224, "patch_size": 16,
    "num_channels": 3, "layer_norm_eps": 1e-12, "mask_ratio": 0.75, "norm_pix_loss": true, "hidden_act": "gelu"})");
  ModelConfig c = model_config_from_hf(hf, "config.json");
  ModelConfig b = builtin_model_config("mae_vit_base_patch16");
  b.norm_pix_loss = true;
  b.layer_norm_eps = 1e-12;
  EXPECT_EQ(c, b);
  auto bad = hf;
  bad["hidden_act"] = "relu";
  EXPECT_THROW(model_config_from_hf(bad, "config.json"), ConfigError);
  bad = hf;
  bad["decoder_intermediate_size"] = 1000;
  EXPECT_THROW(model_config_from_hf(bad, "config.json"), ConfigError);
  // 2^32 + 768 read as an int was 768: ViT-B from a file that says otherwise.
  bad = hf;
  bad["hidden_size"] = (int64_t{1} << 32) + 768;
  try {
    model_config_from_hf(bad, "config.json");
    ADD_FAILURE() << "a hidden_size of 2^32 + 768 loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "config.json: config field 'hidden_size': is out of range");
  }
  bad = hf;
  bad["layer_norm_eps"] = "small";
  try {
    model_config_from_hf(bad, "config.json");
    ADD_FAILURE() << "a layer_norm_eps that is a string loaded";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "config.json: config field 'layer_norm_eps': must be a number");
  }
  // Errors are in the file's own words: num_channels, not our in_chans.
  const auto error_for = [&](const char* key, const nlohmann::json& value) {
    auto edited = hf;
    edited[key] = value;
    return test::error_of([&] { model_config_from_hf(edited, "config.json"); });
  };
  EXPECT_EQ(error_for("num_channels", 40),
            "config.json: config field 'num_channels': must be in [1, 16], got 40");
  EXPECT_EQ(error_for("num_attention_heads", 7),
            "config.json: config field 'num_attention_heads': hidden_size 768 is not divisible "
            "by num_attention_heads 7");
  EXPECT_EQ(error_for("decoder_num_hidden_layers", -1),
            "config.json: config field 'decoder_num_hidden_layers': must be in [0, 512], got -1");
  EXPECT_EQ(error_for("qkv_bias", 1), "config.json: qkv_bias must be true or false, not 1");
  EXPECT_EQ(error_for("qkv_bias", false), "config.json: qkv_bias false is not supported");
}

TEST(Config, HuggingFaceConfigSaysWhatItTookFromDefaults) {
  const auto hf = nlohmann::json::parse(
      R"({"model_type": "vit_mae", "hidden_size": 192, "num_hidden_layers": 12,
    "num_attention_heads": 3, "intermediate_size": 768, "decoder_hidden_size": 256, "decoder_num_hidden_layers": 3,
    "decoder_num_attention_heads": 8, "decoder_intermediate_size": 1024, "image_size": 224, "patch_size": 16,
    "num_channels": 3, "layer_norm_eps": 1e-6, "mask_ratio": 0.75, "norm_pix_loss": true,
    "hidden_dropout_prob": 0.0, "initializer_range": 0.02, "transformers_version": "4.44.0"})");
  std::vector<std::string> defaulted;
  const ModelConfig whole = model_config_from_hf(hf, "config.json", &defaulted);
  EXPECT_TRUE(defaulted.empty()) << defaulted.front();
  EXPECT_EQ(whole.embed_dim, 192);

  // A misspelt shape key is not HuggingFace's silent ViT-B default.
  auto typo = hf;
  typo["hiden_size"] = 192;
  typo.erase("hidden_size");
  EXPECT_EQ(test::error_of([&] { model_config_from_hf(typo, "config.json"); }),
            "config.json: unknown key 'hiden_size' (did you mean 'hidden_size'?)");
  typo = hf;
  typo["num_hidden_layer"] = 12;
  typo.erase("num_hidden_layers");
  EXPECT_EQ(test::error_of([&] { model_config_from_hf(typo, "config.json"); }),
            "config.json: unknown key 'num_hidden_layer' (did you mean 'num_hidden_layers'?)");

  // A key simply missing takes HuggingFace's default, and says so.
  auto missing = hf;
  missing.erase("norm_pix_loss");
  missing.erase("mask_ratio");
  const ModelConfig c = model_config_from_hf(missing, "config.json", &defaulted);
  EXPECT_FALSE(c.norm_pix_loss);
  EXPECT_DOUBLE_EQ(c.mask_ratio, 0.75);
  ASSERT_EQ(defaulted.size(), 2u);
  EXPECT_EQ(defaulted[0], "config.json has no norm_pix_loss: HuggingFace's default false taken");
  EXPECT_EQ(defaulted[1], "config.json has no mask_ratio: HuggingFace's default 0.75 taken");
}

// An encoder-only model has no decoder to describe (mae info printed ViT-B's
// default decoder beside "decoder none").
TEST(Config, EncoderOnlyModelsNameNoDecoder) {
  ModelInfo info;
  info.config = builtin_model_config("mae_vit_base_patch16");
  info.encoder_params = 85'000'000;
  EXPECT_NE(info.describe().find("decoder 512x8 (16 heads)"), std::string::npos);
  info.has_decoder = false;
  const std::string text = info.describe();
  EXPECT_EQ(text.find("512x8"), std::string::npos) << text;
  EXPECT_NE(text.find("ViT encoder 768x12 (12 heads), no decoder, patch 16"), std::string::npos)
      << text;
  EXPECT_NE(text.find("decoder none"), std::string::npos) << text;
}

TEST(Flops, ViTBaseForwardIs19Point6Gflop) {
  // The figure the MAE literature quotes for ViT-B/16 at mask ratio 0.75.
  const double f = mae_forward_flops(builtin_model_config("mae_vit_base_patch16"), 0.75);
  EXPECT_NEAR(f / 1e9, 19.6, 0.05);
  // Fewer kept patches, fewer encoder FLOPs; the decoder sees every patch either way.
  EXPECT_LT(mae_forward_flops(builtin_model_config("mae_vit_base_patch16"), 0.9), f);
  EXPECT_DOUBLE_EQ(mae_train_flops(builtin_model_config("mae_vit_base_patch16"), 0.75), 3 * f);
}

} // namespace
} // namespace mae
