// Loading errors and the formats beyond the parity fixture.
#include "error_of.h"
#include "slurp.h"
#include "test_util.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/layer_key.h"
#include "formats/safetensors.h"
#include "model/masking.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace mae {
namespace {

ModelConfig fixture_config() {
  return load_model_config(test::fixture("mae_config.json"));
}

// Writes `sd` under official names with no metadata, like a third-party export.
void write_plain(const std::string& path, const StateDict& sd) {
  std::vector<SafetensorsEntry> entries;
  for (const auto& [n, t] : sd)
    entries.push_back({n, DType::F32, t.sizes().vec(), t.data_ptr(), t.nbytes()});
  write_safetensors(path, entries);
}

TEST(Checkpoint, ShapeMismatchesAreListed) {
  LoadOptions options;
  options.config = fixture_config();
  options.config->embed_dim = 128;
  const std::string msg =
      test::error_of([&] { load_model(test::fixture("official.pth"), options); });
  EXPECT_NE(msg.find("shape mismatches"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cls_token: checkpoint [1, 1, 64], model [1, 1, 128]"), std::string::npos)
      << msg;
}

TEST(Checkpoint, MissingAndUnexpectedKeysAreListed) {
  LoadedModel loaded = load_model(test::fixture("hf"));
  StateDict sd = model_state_dict(loaded.model);
  sd.erase(sd.begin() + 3);
  sd.emplace_back("head.weight", torch::zeros({2, 2}));
  const std::string dir = test::temp_dir("missing_keys");
  write_plain(dir + "/w.safetensors", sd);
  LoadOptions options;
  options.config = fixture_config();
  const std::string msg = test::error_of([&] { load_model(dir + "/w.safetensors", options); });
  EXPECT_NE(msg.find("missing keys:\n  " + model_state_dict(loaded.model)[3].first),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("unexpected keys:\n  head.weight"), std::string::npos) << msg;
}

// A JSON file where a model goes is named as what it is.
TEST(Checkpoint, AJsonFileIsNamedNotReadAsWeights) {
  const std::string hf = test::fixture("hf") + "/config.json";
  std::string msg = test::error_of([&] { load_model(hf); });
  EXPECT_NE(msg.find("is a HuggingFace model's config.json: give its folder, " +
                     test::fixture("hf") + ", as the model"),
            std::string::npos)
      << msg;
  msg = test::error_of([] { load_model(test::fixture("mae_config.json")); });
  EXPECT_NE(msg.find("a JSON file, not a model; it is a model architecture"), std::string::npos)
      << msg;
  const std::string dir = test::temp_dir("json_model");
  std::ofstream(dir + "/notes.json") << "not json at all";
  msg = test::error_of([&] { load_model(dir + "/notes.json"); });
  EXPECT_NE(msg.find("notes.json: a JSON file, not a model. A model is a .safetensors"),
            std::string::npos)
      << msg;
}

// So is a picture, whatever its name.
TEST(Checkpoint, AnImageIsNamedNotReadAsWeights) {
  const std::string photo = test::data_path("images/photo.jpg");
  std::string msg = test::error_of([&] { load_model(photo); });
  EXPECT_NE(msg.find("photo.jpg: a JPEG image, not a model. A model is a .safetensors"),
            std::string::npos)
      << msg;
  const std::string dir = test::temp_dir("image_model");
  std::filesystem::copy_file(std::string(MAE_SOURCE_DIR) + "/assets/images/chelsea.png",
                             dir + "/cat.pth");
  msg = test::error_of([&] { load_model(dir + "/cat.pth"); });
  EXPECT_NE(msg.find("cat.pth: a PNG image, not a model"), std::string::npos) << msg;
}

TEST(Checkpoint, OfficialWeightsWithoutConfigNeedHeads) {
  const std::string msg = test::error_of([] { load_model(test::fixture("official.pth")); });
  EXPECT_NE(msg.find("attention heads cannot be inferred"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--config"), std::string::npos) << msg;
}

TEST(Checkpoint, InfersNamedArchitecturesFromShapes) {
  MaskedAutoencoderViT model(builtin_model_config("mae_vit_micro_patch4_28"));
  const std::string dir = test::temp_dir("infer");
  write_plain(dir + "/w.safetensors", model_state_dict(model));
  LoadedModel loaded = load_model(dir + "/w.safetensors");
  EXPECT_EQ(loaded.format, CheckpointFormat::OfficialSafetensors);
  EXPECT_EQ(loaded.model->config(), model->config());
  EXPECT_EQ(loaded.config_source, "inferred from tensor shapes");
  bool noted = false;
  for (const auto& n : loaded.notices)
    noted = noted || n.find("head counts taken from mae_vit_micro_patch4_28") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Checkpoint, EncoderOnlyLoadsWithANotice) {
  MaskedAutoencoderViT model(builtin_model_config("mae_vit_micro_patch4_28"));
  StateDict encoder;
  for (const auto& [n, t] : model_state_dict(model))
    if (!is_decoder_parameter(n))
      encoder.emplace_back(n, t);
  const std::string dir = test::temp_dir("encoder_only");
  write_plain(dir + "/enc.safetensors", encoder);
  LoadedModel loaded =
      load_model(dir + "/enc.safetensors", {std::nullopt, "mae_vit_micro_patch4_28"});
  EXPECT_FALSE(loaded.model->has_decoder());
  bool noted = false;
  for (const auto& n : loaded.notices)
    noted = noted || n.find("encoder-only") != std::string::npos;
  EXPECT_TRUE(noted);
  torch::NoGradGuard no_grad;
  EXPECT_EQ(loaded.model->forward_features(torch::randn({1, 1, 28, 28})).size(1), 50);
  EXPECT_THROW(
      loaded.model->forward(torch::randn({1, 1, 28, 28}), torch::rand({1, 49}), num_kept(49, 0.75)),
      CheckpointError);
}

TEST(Checkpoint, HalfPrecisionFilesLoad) {
  LoadedModel loaded = load_model(test::fixture("hf"));
  const std::string dir = test::temp_dir("half");
  for (auto dtype : {torch::kFloat16, torch::kBFloat16}) {
    save_model(dir + "/m.safetensors", loaded.model, {{"note", "x"}}, dtype);
    LoadedModel again = load_model(dir + "/m.safetensors");
    EXPECT_EQ(again.metadata.at("note"), "x");
    const auto a = loaded.model->named_parameters()["blocks.0.attn.qkv.weight"];
    const auto b = again.model->named_parameters()["blocks.0.attn.qkv.weight"];
    EXPECT_LE(test::max_abs_diff(a, b), dtype == torch::kFloat16 ? 1e-3 : 1e-2);
    EXPECT_GT(test::max_abs_diff(a, b), 0.0);
  }
}

// A writer that does not pad its header leaves float data at odd offsets:
// such tensors are copied, aligned ones are read in place; both load exactly.
TEST(Checkpoint, AlignedAndUnalignedFloatDataLoadExactly) {
  LoadedModel reference = load_model(test::fixture("hf"));
  const StateDict sd = model_state_dict(reference.model);
  std::vector<SafetensorsEntry> entries;
  for (const auto& [n, t] : sd)
    entries.push_back({n, DType::F32, t.sizes().vec(), t.data_ptr(), t.nbytes()});
  const std::string dir = test::temp_dir("alignment");
  write_safetensors(dir + "/aligned.safetensors", entries);

  std::vector<uint8_t> bytes = safetensors_header(entries, {});
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | bytes[static_cast<size_t>(i)];
  bytes.insert(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), ' '); // JSON allows it
  ++n;
  for (int i = 0; i < 8; ++i)
    bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  ASSERT_EQ((8 + n) % 4, 1u);
  for (const auto& e : entries) {
    const auto* p = static_cast<const uint8_t*>(e.data);
    bytes.insert(bytes.end(), p, p + e.nbytes);
  }
  {
    std::ofstream out(dir + "/unaligned.safetensors", std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }

  LoadOptions options;
  options.config = fixture_config(); // plain files carry no architecture
  for (const std::string name : {"aligned", "unaligned"}) {
    LoadedModel loaded = load_model(dir + "/" + name + ".safetensors", options);
    const auto params = loaded.model->named_parameters();
    for (const auto& [key, t] : sd)
      EXPECT_TRUE(torch::equal(params[key], t)) << name << " " << key;
  }
}

// A run's other files where a model goes are named as what they are ("tensor
// 'rng/torch_cpu' has dtype U8" said nothing).
TEST(Checkpoint, ARunsOtherFilesAreNamedNotReadAsWeights) {
  const std::string dir = test::temp_dir("run_files");
  const float w[4] = {1, 2, 3, 4};
  const uint8_t rng[8] = {};
  write_safetensors(dir + "/checkpoint.safetensors",
                    {{"model/cls_token", DType::F32, {1, 1, 4}, w, sizeof w},
                     {"optim/cls_token.exp_avg", DType::F32, {1, 1, 4}, w, sizeof w},
                     {"rng/torch_cpu", DType::U8, {8}, rng, sizeof rng}});
  EXPECT_EQ(test::error_of([&] { load_model(dir + "/checkpoint.safetensors"); }),
            dir +
                "/checkpoint.safetensors: a training run's state (weights with optimizer "
                "moments), not a model: the run's model is " +
                dir + "/model.safetensors, and mae train --resume " + dir + " continues the run");
  write_safetensors(dir + "/finetune_state.safetensors",
                    {{"model/head.weight", DType::F32, {4}, w, sizeof w},
                     {"exp_avg/head.weight", DType::F32, {4}, w, sizeof w}});
  EXPECT_NE(test::error_of([&] {
              load_model(dir + "/finetune_state.safetensors");
            }).find("a fine-tuning run's state, not a model: mae finetune --resume " + dir),
            std::string::npos);
  write_safetensors(dir + "/previews.safetensors", {{"0.masked", DType::U8, {8}, rng, sizeof rng}});
  EXPECT_NE(test::error_of([&] {
              load_model(dir + "/previews.safetensors");
            }).find("previews.safetensors: pictures (a training run's previews), not a model"),
            std::string::npos);
  test::write_file(dir + "/metrics.jsonl", "{\"step\": 0}\n");
  EXPECT_NE(test::error_of([&] {
              load_model(dir + "/metrics.jsonl");
            }).find("metrics.jsonl: a JSON-lines log"),
            std::string::npos);
}

TEST(Checkpoint, BadFilesGiveClearErrors) {
  const std::string dir = test::temp_dir("bad_files");
  EXPECT_NE(test::error_of([&] { load_model(dir + "/nope.safetensors"); }).find("no such file"),
            std::string::npos);
  { std::ofstream(dir + "/garbage.safetensors") << "hello, I am not a checkpoint at all"; }
  EXPECT_FALSE(test::error_of([&] { load_model(dir + "/garbage.safetensors"); }).empty());
  // A truncated copy of a real file.
  std::ifstream in(test::fixture("hf/model.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/cut.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_FALSE(test::error_of([&] { load_model(dir + "/cut.safetensors"); }).empty());
  std::ifstream pin(test::fixture("official.pth"), std::ios::binary);
  std::string pth((std::istreambuf_iterator<char>(pin)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/cut.pth", std::ios::binary) << pth.substr(0, pth.size() - 100);
  EXPECT_NE(test::error_of([&] {
              load_model(dir + "/cut.pth", {fixture_config(), ""});
            }),
            "<no error>");
  EXPECT_NE(test::error_of([&] {
              load_model(test::fixture("hf"), {std::nullopt, "mae_vit_nope"});
            }).find("unknown architecture"),
            std::string::npos);
  // A directory without weights.
  EXPECT_NE(test::error_of([&] { load_model(dir); }).find("model.safetensors"), std::string::npos);
}

// A state dict saved from DistributedDataParallel names every weight
// "module.<name>": read as the bare model, with a notice, not a shape error.
TEST(Checkpoint, WeightsOfADdpWrapperLoadWithoutItsPrefix) {
  MaskedAutoencoderViT model(builtin_model_config("mae_vit_micro_patch4_28"));
  StateDict wrapped;
  for (const auto& [n, t] : model_state_dict(model))
    wrapped.emplace_back("module." + n, t);
  const std::string dir = test::temp_dir("ddp_prefix");
  write_plain(dir + "/ddp.safetensors", wrapped);
  LoadedModel loaded = load_model(dir + "/ddp.safetensors");
  EXPECT_EQ(loaded.model->config(), model->config());
  const StateDict a = model_state_dict(loaded.model), b = model_state_dict(model);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  bool noted = false;
  for (const auto& n : loaded.notices)
    noted = noted || n.find("every weight's name began with 'module.'") != std::string::npos;
  EXPECT_TRUE(noted);
}

// When the architecture fails, the error says what reading the folder noticed:
// usually the cause.
TEST(Checkpoint, HfArchitectureErrorsNameAMissingConfigOrKey) {
  namespace fs = std::filesystem;
  const std::string dir = test::temp_dir("hf_without_config");
  fs::create_directories(dir + "/bare");
  fs::copy_file(test::fixture("hf/model.safetensors"), dir + "/bare/model.safetensors");
  std::string msg = test::error_of([&] { load_model(dir + "/bare"); });
  EXPECT_NE(msg.find("pass --config FILE.json or --arch NAME\nnote: no config.json beside the "
                     "HuggingFace weights (" +
                     dir + "/bare/config.json)"),
            std::string::npos)
      << msg;

  // A config.json without hidden_size builds HuggingFace's 768 wide model.
  fs::create_directories(dir + "/partial");
  fs::copy_file(test::fixture("hf/model.safetensors"), dir + "/partial/model.safetensors");
  nlohmann::json config = nlohmann::json::parse(test::slurp(test::fixture("hf/config.json")));
  config.erase("hidden_size");
  config["intermediate_size"] = 3072; // 4 x 768, so that the config itself is valid
  test::write_file(dir + "/partial/config.json", config.dump());
  msg = test::error_of([&] { load_model(dir + "/partial"); });
  EXPECT_NE(msg.find("cls_token: checkpoint [1, 1, 64], model [1, 1, 768]"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("\nnote: " + dir +
                     "/partial/config.json has no hidden_size: HuggingFace's default 768 taken"),
            std::string::npos)
      << msg;
}

TEST(Checkpoint, HfLayoutFusesQueryKeyValueInOrder) {
  const auto q = torch::full({4, 4}, 1.0), k = torch::full({4, 4}, 2.0),
             v = torch::full({4, 4}, 3.0);
  StateDict hf = {{"vit.encoder.layer.0.attention.attention.value.weight", v},
                  {"vit.encoder.layer.0.attention.attention.query.weight", q},
                  {"vit.encoder.layer.0.attention.attention.key.weight", k}};
  ASSERT_TRUE(is_hf_layout(hf));
  const StateDict out = official_from_hf(hf, "x");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "blocks.0.attn.qkv.weight");
  EXPECT_TRUE(torch::equal(out[0].second, torch::cat({q, k, v})));
  hf.pop_back();
  EXPECT_THROW(official_from_hf(hf, "x"), CheckpointError);
  EXPECT_THROW(official_from_hf({{"vit.pooler.dense.weight", q}}, "x"), CheckpointError);
}

// Layer names a megabyte long overflowed the stack in std::regex's matcher;
// now they are unexpected keys, and a 12-digit layer number is no layer.
TEST(Checkpoint, LayerNamesAMegabyteLongAreUnexpectedKeys) {
  const auto w = torch::zeros({1});
  const std::string dir = test::temp_dir("long_names");
  write_plain(dir + "/hf.safetensors", {{"encoder.layer.0." + std::string(1 << 20, 'x'), w}});
  std::string msg = test::error_of([&] { load_model(dir + "/hf.safetensors"); });
  EXPECT_NE(msg.find("unexpected keys in a HuggingFace ViTMAE checkpoint"), std::string::npos)
      << msg.substr(0, 300);
  // Enough of an official file for the layers to be counted.
  write_plain(dir + "/official.safetensors",
              {{"patch_embed.proj.weight", torch::zeros({8, 3, 4, 4})},
               {"pos_embed", torch::zeros({1, 5, 8})},
               {"blocks." + std::string(1 << 20, '1') + ".w", w},
               {"blocks.999999999999.w", w}});
  msg = test::error_of([&] { load_model(dir + "/official.safetensors"); });
  EXPECT_EQ(msg.rfind(dir + "/official.safetensors: ", 0), 0u) << msg.substr(0, 300);
  EXPECT_EQ(layer_key("blocks.999999999999.w", "blocks"), std::nullopt);
  EXPECT_EQ(layer_key("decoder_blocks.7.mlp", "blocks"), std::nullopt);
  const auto key = layer_key("blocks.12.attn.qkv.weight", "blocks");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->index, 12);
  EXPECT_EQ(key->rest, "attn.qkv.weight");
}

} // namespace
} // namespace mae
