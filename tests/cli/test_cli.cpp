// End-to-end runs of the `mae` binary as a user would type them.
#include "busy_core.h"
#include "cli_runner.h"
#include "test_util.h"
#include "tiny_models.h"

#include "checkpoint/checkpoint.h"
#include "data/image_io.h"
#include "formats/safetensors.h"
#include "model/mae_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace mae {
namespace {

using test::contains;

test::RunResult mae_cli(const std::string& args, const std::string& dir) {
  return test::run_binary(MAE_CLI_PATH, args + " --threads 2", dir);
}

test::RunResult mae_raw(const std::string& args, const std::string& dir) {
  return test::run_binary(MAE_CLI_PATH, args, dir);
}

std::string q(const std::string& s) {
  return "'" + s + "'";
}

// Runs `mae ARGS`, sends it a SIGINT once its stderr shows `shown` (the work
// is under way), and returns its exit code and stderr.
test::RunResult interrupted_once_shown(const std::string& args, const std::string& shown,
                                       const std::string& dir) {
  const std::string err = dir + "/interrupted.err", script = dir + "/interrupt.sh";
  std::ofstream(script) << q(MAE_CLI_PATH) << " " << args << " 2>" << q(err) << " >/dev/null &\n"
                        << "pid=$!\nfor i in $(seq 1200); do grep -q " << q(shown) << " " << q(err)
                        << " && break; sleep 0.1; done\nkill -INT $pid\nwait $pid\n";
  test::RunResult r = test::run_binary("bash", q(script), dir);
  r.err = test::slurp(err);
  return r;
}

TEST(Cli, HelpListsEveryCommand) {
  const std::string dir = test::temp_dir("cli_help");
  auto r = mae_raw("--help", dir);
  EXPECT_EQ(r.code, 0);
  for (const char* cmd :
       {"info", "forward", "reconstruct", "convert", "eval-recon", "attention", "posembed"}) {
    EXPECT_TRUE(contains(r.out, cmd)) << cmd;
    auto sub = mae_raw(std::string(cmd) + " --help", dir);
    EXPECT_EQ(sub.code, 0) << cmd;
    EXPECT_TRUE(contains(sub.out, std::string("usage: mae ") + cmd)) << sub.out;
  }
  // "mae help train" is train's help, as git's.
  auto train_help = mae_raw("help train", dir);
  EXPECT_EQ(train_help.code, 0);
  EXPECT_TRUE(contains(train_help.out, "usage: mae train")) << train_help.out;
  auto unknown_help = mae_raw("help trian", dir);
  EXPECT_EQ(unknown_help.code, 2);
  EXPECT_TRUE(contains(unknown_help.err, "did you mean 'train'")) << unknown_help.err;
  EXPECT_EQ(mae_raw("frobnicate", dir).code, 2);
  EXPECT_EQ(mae_raw("", dir).code, 2);
  // A bounded option's help gives its range, and the refusal the same one.
  auto recon_help = mae_raw("reconstruct --help", dir);
  EXPECT_TRUE(contains(recon_help.out, "in [0.1, 120] (default: 4)")) << recon_help.out;
  EXPECT_TRUE(contains(recon_help.out, "in [96, 4096] (default: 224)")) << recon_help.out;
  auto small_panel = mae_raw("reconstruct --panel-size 95 --image x.png", dir);
  EXPECT_EQ(small_panel.code, 2);
  EXPECT_TRUE(contains(small_panel.err, "--panel-size must be in [96, 4096], got 95"))
      << small_panel.err;
}

// Options that mean something only beside another were ignored without a word.
TEST(Cli, OptionsMeaningNothingAloneAreRefused) {
  const std::string dir = test::temp_dir("cli_needs");
  const auto refused = [&](const std::string& command, const std::string& phrase) {
    auto r = mae_raw(command, dir);
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_TRUE(contains(r.err, phrase)) << r.err;
  };
  refused("reconstruct --image x.png --fps 10",
          "--fps applies to --sweep only: give --sweep as well, or leave --fps out");
  refused("eval-recon --images . --figure-images 2", "--figure-images applies to --figure only");
  refused("attention --image x.png --rollout --head 1", "--head has no effect with --rollout");
}

TEST(Cli, ForwardReproducesTheFixture) {
  const std::string dir = test::temp_dir("cli_forward");
  auto r = mae_cli("forward --model " + q(test::fixture("hf")) + " --inputs " +
                       q(test::fixture("inputs.safetensors")) + " --out " +
                       q(dir + "/out.safetensors") + " --device cpu",
                   dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string expected = test::fixture("expected.safetensors");
  for (const char* name : {"pred", "latent", "loss"})
    EXPECT_LE(test::max_abs_diff(test::load_tensor(dir + "/out.safetensors", name),
                                 test::load_tensor(expected, name)),
              1e-4)
        << name;
  EXPECT_TRUE(torch::equal(test::load_tensor(dir + "/out.safetensors", "ids_restore"),
                           test::load_tensor(expected, "ids_restore")));
  EXPECT_TRUE(torch::equal(test::load_tensor(dir + "/out.safetensors", "mask"),
                           test::load_tensor(expected, "mask")));
}

TEST(Cli, ForwardWithoutNoiseUsesTheStrategy) {
  const std::string dir = test::temp_dir("cli_forward_strategy");
  // Inputs without noise.
  const auto pixels =
      test::load_tensor(test::fixture("inputs.safetensors"), "pixel_values").contiguous();
  write_safetensors(dir + "/in.safetensors", {{"pixel_values", DType::F32, pixels.sizes().vec(),
                                               pixels.data_ptr(), pixels.nbytes()}});
  auto r = mae_cli("forward --model " + q(test::fixture("hf")) + " --inputs " +
                       q(dir + "/in.safetensors") + " --out " + q(dir + "/out.safetensors") +
                       " --strategy grid --ratio 0.75",
                   dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto mask = test::load_tensor(dir + "/out.safetensors", "mask");
  EXPECT_EQ(mask.sum(1).min().item<float>(), 48.0f);
  EXPECT_EQ(test::load_tensor(dir + "/out.safetensors", "latent").size(1), 17);
}

TEST(Cli, OfficialPthNeedsAnArchitectureAndConvertsToOurs) {
  const std::string dir = test::temp_dir("cli_convert");
  auto r = mae_cli("info " + q(test::fixture("official.pth")), dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "--config")) << r.err;
  r = mae_cli("convert " + q(test::fixture("official.pth")) + " --config " +
                  q(test::fixture("mae_config.json")) + " --out " + q(dir + "/ours.safetensors"),
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  r = mae_cli("info " + q(dir + "/ours.safetensors"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "MAE Studio safetensors")) << r.out;
  EXPECT_TRUE(contains(r.out, "encoder 0.11 M")) << r.out;
  // Converted again, it keeps where its weights first came from.
  r = mae_cli("convert " + q(dir + "/ours.safetensors") + " --dtype f16 --out " +
                  q(dir + "/ours16.safetensors"),
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* file : {"/ours.safetensors", "/ours16.safetensors"})
    EXPECT_EQ(read_safetensors(dir + file).metadata.at("converted_from"),
              "facebookresearch/mae .pth")
        << file;
  // The converted file needs no config and gives the same outputs as the HF original.
  for (const auto& [model, out] : {std::pair{dir + "/ours.safetensors", dir + "/a.safetensors"},
                                   std::pair{test::fixture("hf"), dir + "/b.safetensors"}}) {
    r = mae_cli("forward --model " + q(model) + " --inputs " +
                    q(test::fixture("inputs.safetensors")) + " --out " + q(out),
                dir);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_TRUE(torch::equal(test::load_tensor(dir + "/a.safetensors", "pred"),
                           test::load_tensor(dir + "/b.safetensors", "pred")));

  // Weights past f16's range would be stored as infinity: refused before any write.
  LoadedModel big = load_model(dir + "/ours.safetensors");
  {
    torch::NoGradGuard no_grad;
    big.model->named_parameters()["blocks.0.attn.qkv.weight"].mul_(1e6);
  }
  save_model(dir + "/big.safetensors", big.model);
  r = mae_cli("convert " + q(dir + "/big.safetensors") + " --dtype f16 --out " +
                  q(dir + "/big16.safetensors"),
              dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "1 tensor holds values beyond f16's range")) << r.err;
  EXPECT_TRUE(contains(r.err, "blocks.0.attn.qkv.weight")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/big16.safetensors"));
  r = mae_cli("convert " + q(dir + "/big.safetensors") + " --dtype bf16 --out " +
                  q(dir + "/big16.safetensors"),
              dir);
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(Cli, InfoDescribesTheModel) {
  const std::string dir = test::temp_dir("cli_info");
  auto r = mae_cli("info " + q(test::fixture("hf_t5")), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "HuggingFace ViTMAE"));
  EXPECT_TRUE(contains(r.out, "encoder 64x2 (4 heads), decoder 32x1 (4 heads)")) << r.out;
  // The stored precision and the pixel normalisation, and where it came from:
  // a model without it reconstructed worse with nothing said.
  EXPECT_TRUE(contains(r.out, "M, stored as float32\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "pixels:       normalised by mean 0.485, 0.456, 0.406, std 0.229, "
                              "0.224, 0.225 (not recorded in the file: ImageNet's taken"))
      << r.out;
  const auto shipped = mae_cli(
      "info " + q(std::string(MAE_TEST_DATA) + "/../../assets/models/default.safetensors"), dir);
  ASSERT_EQ(shipped.code, 0) << shipped.err;
  EXPECT_TRUE(contains(shipped.out, "stored as float16")) << shipped.out;
  EXPECT_TRUE(contains(shipped.out, "(recorded in the file)")) << shipped.out;
  // --model, as every other command names its model, says the same.
  const auto as_option = mae_cli("info --model " + q(test::fixture("hf_t5")), dir);
  EXPECT_EQ(as_option.code, 0) << as_option.err;
  EXPECT_EQ(as_option.out, r.out);
  r = mae_raw("info", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "MODEL is required (see mae info --help)")) << r.err;
  r = mae_raw("info a.safetensors --model b.safetensors", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--model given more than once")) << r.err;
  // After "--" a word is the model, even one that starts with "--".
  std::filesystem::copy(test::fixture("hf_t5"), dir + "/--odd");
  const std::string cmd = "cd " + q(dir) + " && " + q(MAE_CLI_PATH) + " info -- --odd > " +
                          q(dir + "/odd.txt") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << test::slurp(dir + "/odd.txt");
  EXPECT_TRUE(contains(test::slurp(dir + "/odd.txt"), "encoder 64x2 (4 heads)"))
      << test::slurp(dir + "/odd.txt");
  r = mae_cli("info " + q(test::fixture("official.pth")) + " --arch mae_vit_base_patch16", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "shape mismatches")) << r.err;
}

// An encoder-only model cannot reconstruct: said once, as the error (a note
// said the same first), exit 1 as any model unfit for the command.
TEST(Cli, ReconstructOfAnEncoderOnlyModelSaysWhyOnce) {
  const std::string dir = test::temp_dir("cli_encoder_only");
  std::filesystem::copy(test::fixture("hf"), dir + "/enc");
  const SafetensorsFile full = read_safetensors(dir + "/enc/model.safetensors");
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, t] : full.tensors)
    if (name.rfind("decoder.", 0) != 0) {
      bytes.push_back(t.contiguous_bytes());
      entries.push_back({name, t.dtype, t.shape, bytes.back().data(), bytes.back().size()});
    }
  ASSERT_LT(entries.size(), full.tensors.size());
  write_safetensors(dir + "/enc/model.safetensors", entries, full.metadata);
  const auto r =
      mae_cli("reconstruct --model " + q(dir + "/enc") + " --image " +
                  q(test::data_path("images/photo.jpg")) + " --out " + q(dir + "/fig.png"),
              dir);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "an encoder-only checkpoint has no decoder")) << r.err;
  EXPECT_EQ(r.err.find("cannot reconstruct"), r.err.rfind("cannot reconstruct")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/fig.png"));
}

TEST(Cli, ReconstructWritesTheDemoFigure) {
  const std::string dir = test::temp_dir("cli_reconstruct");
  auto r = mae_cli("reconstruct --model " + q(test::fixture("hf")) + " --image " +
                       q(test::data_path("images/photo.jpg")) + " --out " + q(dir + "/fig.png") +
                       " --strategy block --ratio 0.6 --seed 3",
                   dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "masked-region MSE")) << r.out;
  const Image fig = load_image(dir + "/fig.png");
  EXPECT_EQ(fig.width, 8 + 4 * (224 + 8));
  EXPECT_GT(fig.height, 224);
}

// Without --out a figure is named after its input, in the working folder.
TEST(Cli, AFigureWithoutOutIsNamedAfterItsInput) {
  const std::string dir = test::temp_dir("cli_default_out");
  // Inside the sh -c word's single quotes: paths without spaces or quotes.
  const std::string model = " --model " + test::fixture("hf") + "/";
  const std::string image = " --image " + test::data_path("images/photo.jpg");
  for (const auto& [command, file] :
       {std::pair{"reconstruct" + model + image, "photo_reconstruction.png"},
        std::pair{"attention" + model + image, "photo_attention.png"},
        std::pair{"posembed" + model, "hf_posembed.png"}}) {
    const auto r = test::run_binary(
        "/bin/sh", "-c " + q("cd " + dir + " && " + MAE_CLI_PATH + " " + command), dir);
    ASSERT_EQ(r.code, 0) << command << "\n" << r.err;
    EXPECT_TRUE(contains(r.out, std::string("wrote ") + file)) << r.out;
    EXPECT_GT(load_image(dir + "/" + file).width, 100) << file;
  }
}

// A ratio sweep as a video for slides: an .avi that reads back with one frame
// per ratio (made again without asking), or a folder of PNG frames; bad sweeps
// and used folders are refused.
TEST(Cli, ReconstructSweepWritesAVideoOrFrames) {
  namespace fs = std::filesystem;
  const std::string dir = test::temp_dir("cli_sweep");
  const std::string common = "reconstruct --model " + q(test::fixture("hf")) + " --image " +
                             q(test::data_path("images/photo.jpg")) + " --seed 2 ";
  auto r = mae_cli(common + "--sweep 0.1:0.9:0.2 --fps 5 --out " + q(dir + "/sweep.avi"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "5 frames")) << r.out;
  cv::VideoCapture video(dir + "/sweep.avi");
  ASSERT_TRUE(video.isOpened());
  std::vector<cv::Mat> frames;
  for (cv::Mat f; video.read(f);)
    frames.push_back(f.clone());
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0].cols, 8 + 4 * (224 + 8));
  EXPECT_NEAR(video.get(cv::CAP_PROP_FPS), 5.0, 0.01);
  // More is removed at 0.9 than at 0.1: the masked panels differ.
  EXPECT_GT(cv::norm(frames.front(), frames.back(), cv::NORM_L1) / frames[0].total(), 5.0);
  // Made again with other ratios: mae's own video is replaced without --force.
  r = mae_cli(common + "--sweep 0.1:0.5:0.2 --out " + q(dir + "/sweep.avi"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "3 frames")) << r.out;

  r = mae_cli(common + "--sweep 0.9:0.5:0.1 --out " + q(dir + "/frames"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/frames/frame_0004.png"));
  EXPECT_FALSE(fs::exists(dir + "/frames/frame_0005.png"));
  // The folder now holds frames: a second sweep into it is refused, nothing changed.
  r = mae_cli(common + "--sweep 0.1:0.5:0.1 --out " + q(dir + "/frames"), dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "not an empty folder")) << r.err;
  for (const char* bad : {"0.1:0.9", "0.1:1.5:0.1", "0.9:0.1:0", "a:b:c", "0:0.9:0.001"}) {
    r = mae_cli(common + "--sweep " + bad + " --out " + q(dir + "/x.avi"), dir);
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "--sweep")) << r.err;
  }
  // Another extension is no format written (a folder "sweep.gif" was made).
  r = mae_cli(common + "--sweep 0.1:0.5:0.2 --out " + q(dir + "/sweep.gif"), dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, ".gif is not written")) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/sweep.gif"));
  // A dotted folder name is still a folder of frames.
  r = mae_cli(common + "--sweep 0.1:0.3:0.2 --out " + q(dir + "/frames_v1.2"), dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/frames_v1.2/frame_0001.png"));
  // Ctrl-C mid-sweep (the shipped model, 380 frames): the half-made video is
  // removed, and the exit says it stopped.
  r = interrupted_once_shown("reconstruct --image " + q(test::data_path("images/photo.jpg")) +
                                 " --sweep 0:0.95:0.0025 --threads 1 --out " +
                                 q(dir + "/stopped.avi"),
                             "frames 1/", dir);
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_TRUE(contains(r.err, "stopped.avi not written")) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/stopped.avi"));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST(Cli, AttentionAndPosEmbedWriteTheirFigures) {
  const std::string dir = test::temp_dir("cli_attention");
  const std::string common = "attention --model " + q(test::fixture("hf")) + " --image " +
                             q(test::data_path("images/photo.jpg")) +
                             " --strategy grid --ratio 0.75 --seed 1";
  for (const std::string& query :
       {std::string("--layer 1 --head 2 --patch cls"), std::string("--stack decoder --patch 10"),
        std::string("--rollout --patch cls"), std::string("--layer 0 --head 3 --panel-size 224")}) {
    std::filesystem::remove(dir + "/att.png");
    auto r = mae_cli(common + " " + query + " --out " + q(dir + "/att.png"), dir);
    ASSERT_EQ(r.code, 0) << query << ": " << r.err;
    EXPECT_TRUE(contains(r.out, "wrote")) << r.out;
    const Image fig = load_image(dir + "/att.png");
    // input | attention over the input | the map, 224 px each, and a caption.
    EXPECT_EQ(fig.width, 8 + 3 * (224 + 8)) << query;
    EXPECT_GT(fig.height, 224 + 26) << query;
  }
  for (const char* stack : {"encoder", "decoder"}) {
    auto r = mae_cli("posembed --model " + q(test::fixture("hf")) + " --stack " + stack +
                         " --out " + q(dir + "/pe_" + stack + ".png"),
                     dir);
    ASSERT_EQ(r.code, 0) << r.err;
    const Image fig = load_image(dir + "/pe_" + stack + ".png");
    // 8 x 8 tiles of 8 x 8 cells of 10 px, 2 px apart, inside the figure's 8 px margins.
    const int side = 8 * (8 * 10 + 2) + 2;
    EXPECT_EQ(fig.width, 8 + side + 8) << stack;
    EXPECT_GT(fig.height, side) << stack;
  }
  // A 65x65 patch grid would be a figure of some 9,000 px a side (a patch-2
  // model's, 25,000): refused before the similarities are computed.
  MaskedAutoencoderViT fine_model(test::model_config(65, 1, 3, 8, 1, 1, 8, 1, 1));
  save_model(dir + "/fine.safetensors", fine_model);
  auto r = mae_cli("posembed --model " + q(dir + "/fine.safetensors") + " --out " +
                       q(dir + "/pe_fine.png"),
                   dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "patch grid is 65x65")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/pe_fine.png"));
}

// The model and the picture given the wrong way round: each named as what it is.
TEST(Cli, ASwappedModelAndPictureAreNamed) {
  const std::string dir = test::temp_dir("cli_swapped");
  const std::string photo = q(test::data_path("images/photo.jpg"));
  auto r = mae_cli("reconstruct --model " + photo + " --image " + q(test::fixture("hf")) +
                       " --out " + q(dir + "/fig.png"),
                   dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "is a model, not a picture: give it as --model")) << r.err;
  r = mae_cli("attention --model " + photo + " --image " + photo + " --out " + q(dir + "/a.png"),
              dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "photo.jpg: a JPEG image, not a model")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/fig.png"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/a.png"));
}

TEST(Cli, AttentionRefusesBadIndicesAndOverwritingItsInput) {
  const std::string dir = test::temp_dir("cli_attention_errors");
  const std::string base = "attention --model " + q(test::fixture("hf")) + " --image " +
                           q(test::data_path("images/photo.jpg")) + " --out " +
                           q(dir + "/att.png") + " ";
  const std::pair<std::string, std::vector<std::string>> cases[] = {
      {"--layer 2", {"layer 2 is out of range", "layers 0 to 1"}},
      {"--stack decoder --layer 1", {"layer 1 is out of range", "decoder has layers 0 to 0"}},
      {"--head 4", {"head 4 is out of range", "heads 0 to 3"}},
      {"--patch 64", {"patch 64 is out of range", "patches 0 to 63"}},
      {"--head first", {"--head expects an index from 0 or mean, got 'first'"}},
      // -1 is the model's own marker for the mean of heads and the cls token.
      {"--head -1", {"--head expects an index from 0 or mean, got '-1'"}},
      {"--patch -1", {"--patch expects an index from 0 or cls, got '-1'"}},
      {"--layer -1", {"--layer expects an index from 0 or last, got '-1'"}},
      {"--stack middle", {"unknown attention stack 'middle'"}},
  };
  for (const auto& [option, needles] : cases) {
    auto r = mae_cli(base + option, dir);
    EXPECT_EQ(r.code, 2) << option;
    for (const auto& needle : needles)
      EXPECT_TRUE(contains(r.err, needle)) << option << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/att.png")) << option;
  }

  // A figure for a folder that is not there is refused before any work, by
  // the figure's name (not a temporary file's); so are a sweep video (it was
  // OpenCV's assertion and "no encoder") and a trace (LibTorch's stack, exit 0).
  auto missing =
      mae_cli("attention --model " + q(test::fixture("hf")) + " --image " +
                  q(test::data_path("images/photo.jpg")) + " --out " + q(dir + "/no/att.png"),
              dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err,
                       "--out " + dir + "/no/att.png: the folder " + dir + "/no does not exist"))
      << missing.err;
  missing = mae_cli("reconstruct --model " + q(test::fixture("hf")) + " --image " +
                        q(test::data_path("images/photo.jpg")) + " --sweep 0.1:0.5:0.2 --out " +
                        q(dir + "/no/sweep.avi"),
                    dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err,
                       "--out " + dir + "/no/sweep.avi: the folder " + dir + "/no does not exist"))
      << missing.err;
  missing =
      mae_cli("bench --model-config " + q(test::fixture("mae_config.json")) +
                  " --batch 2 --steps 1 --warmup 1 --device cpu --profile " + q(dir + "/no/t.json"),
              dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "--profile " + dir + "/no/t.json: the folder")) << missing.err;

  // --out naming the input image is refused and leaves the image as it was.
  std::filesystem::copy_file(test::data_path("images/photo.jpg"), dir + "/in.jpg");
  const std::string before = test::slurp(dir + "/in.jpg");
  auto r = mae_cli("attention --model " + q(test::fixture("hf")) + " --image " +
                       q(dir + "/in.jpg") + " --out " + q(dir + "/in.jpg"),
                   dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--out")) << r.err;
  EXPECT_TRUE(contains(r.err, "writing it would destroy it")) << r.err;
  EXPECT_EQ(test::slurp(dir + "/in.jpg"), before);

  // And posembed's --out naming its model.
  std::filesystem::copy_file(test::fixture("hf/model.safetensors"), dir + "/model.safetensors");
  std::filesystem::copy_file(test::fixture("hf/config.json"), dir + "/config.json");
  r = mae_cli("posembed --model " + q(dir + "/model.safetensors") + " --out " +
                  q(dir + "/model.safetensors"),
              dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "writing it would destroy it")) << r.err;
}

TEST(Cli, EvalReconComparesAgainstBaselines) {
  const std::string dir = test::temp_dir("cli_eval_recon");
  auto r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " +
                       q(test::data_path("images")) + " --seeds 2 --csv " + q(dir + "/t.csv") +
                       " --figure " + q(dir + "/f.png"),
                   dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "photo.jpg")) << r.out;
  EXPECT_TRUE(contains(r.out, "1 image x 2 seeds, random masking at ratio 0.75")) << r.out;
  const std::string csv = test::slurp(dir + "/t.csv");
  ASSERT_TRUE(contains(csv, "image,mae,telea,mean_fill\nphoto.jpg,")) << csv;
  // Three positive errors per image.
  double mae = 0, telea = 0, mean_fill = 0;
  ASSERT_EQ(std::sscanf(csv.c_str() + csv.find("photo.jpg,") + 10, "%lf,%lf,%lf", &mae, &telea,
                        &mean_fill),
            3);
  EXPECT_GT(mae, 0);
  EXPECT_GT(telea, 0);
  EXPECT_GT(mean_fill, 0);
  const Image fig = load_image(dir + "/f.png");
  EXPECT_EQ(fig.width, 8 + 4 * (224 + 8));
  EXPECT_FALSE(contains(r.err, "norm_pix_loss")) << r.err;
  // A norm-pix model is scored with its removed patches' true mean and
  // spread, which the baselines never see: said, beside the table.
  std::filesystem::create_directories(dir + "/norm_pix");
  std::filesystem::copy_file(test::fixture("hf/model.safetensors"),
                             dir + "/norm_pix/model.safetensors");
  std::string config = test::slurp(test::fixture("hf/config.json"));
  config.replace(config.find("\"norm_pix_loss\": false"), 22, "\"norm_pix_loss\": true");
  test::write_file(dir + "/norm_pix/config.json", config);
  r = mae_cli("eval-recon --model " + q(dir + "/norm_pix") + " --images " +
                  q(test::data_path("images")) + " --seeds 1",
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "(norm_pix_loss): to be scored in pixels, it is given their true "
                              "values, which no baseline (Telea, mean-fill) sees"))
      << r.err;
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " + q(dir + "/nothing"),
              dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "nothing' is not a directory")) << r.err;
  // A corrupt picture costs its row, named on stderr; the mean is over the others.
  std::filesystem::create_directories(dir + "/mixed");
  std::filesystem::copy_file(test::data_path("images/photo.jpg"), dir + "/mixed/photo.jpg");
  std::ofstream(dir + "/mixed/broken.png") << "not a png";
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " + q(dir + "/mixed") +
                  " --seeds 2 --csv " + q(dir + "/m.csv"),
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "skipped: " + dir + "/mixed/broken.png: ")) << r.err;
  EXPECT_TRUE(contains(r.out, "1 image x 2 seeds, random masking at ratio 0.75; 1 unreadable "
                              "skipped"))
      << r.out;
  EXPECT_EQ(test::slurp(dir + "/m.csv"), csv); // the same row as the photo alone
  // One picture instead of a folder scores that picture.
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " +
                  q(dir + "/mixed/photo.jpg") + " --seeds 2 --csv " + q(dir + "/one.csv"),
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(test::slurp(dir + "/one.csv"), csv);
  // A flat picture: Telea fills it exactly, and MAE against it is no ratio.
  Image black(64, 64, 3);
  write_png(dir + "/mixed/black.png", black);
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " + q(dir + "/mixed") +
                  " --seeds 1",
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex(R"(black\.png +[0-9.]+ +0\.00000 +0\.00000 +n/a)")))
      << r.out;
  EXPECT_FALSE(contains(r.out, "inf")) << r.out;
  std::filesystem::remove(dir + "/mixed/black.png");
  std::filesystem::remove(dir + "/mixed/photo.jpg");
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " + q(dir + "/mixed"),
              dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "--images: the one picture in '" + dir + "/mixed' could not be read"))
      << r.err;
  EXPECT_EQ(r.out, ""); // no table header over no rows
  // Rows name a picture by its path in the folder, quoted where it holds a
  // comma: "a,b.jpg" made a row of five fields and two a.jpg one name.
  std::filesystem::create_directories(dir + "/named/sub");
  for (const char* name : {"/named/a,b.jpg", "/named/a.jpg", "/named/sub/a.jpg"})
    std::filesystem::copy_file(test::data_path("images/photo.jpg"), dir + name);
  r = mae_cli("eval-recon --model " + q(test::fixture("hf")) + " --images " + q(dir + "/named/") +
                  " --seeds 1 --csv " + q(dir + "/named.csv"),
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string named = test::slurp(dir + "/named.csv");
  EXPECT_TRUE(contains(named, "\n\"a,b.jpg\",")) << named;
  EXPECT_TRUE(contains(named, "\na.jpg,")) << named;
  EXPECT_TRUE(contains(named, "\nsub/a.jpg,")) << named;
}

TEST(Cli, BenchTimesTrainingStepsAndTracesThem) {
  const std::string dir = test::temp_dir("cli_bench");
  const std::string config = q(test::fixture("mae_config.json"));
  auto r = mae_cli("bench --model-config " + config +
                       " --batch 4 --steps 2 --warmup 1 --device cpu --profile " +
                       q(dir + "/trace.json"),
                   dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out.substr(r.out.rfind("{")));
  EXPECT_EQ(line["mode"], "train");
  EXPECT_GT(line["img_per_s"].get<double>(), 0.0);
  EXPECT_GT(line["step_ms"].get<double>(), 0.0);
  // A share of a GPU's peak says nothing of a CPU: not reported there.
  EXPECT_FALSE(line.contains("pct_peak")) << line;
  EXPECT_FALSE(contains(r.out, "%")) << r.out;
  // The trace holds the recorded steps' operators, the patch embedding's matrix product among them.
  const std::string trace = test::slurp(dir + "/trace.json");
  EXPECT_TRUE(contains(trace, "aten::addmm") || contains(trace, "aten::linear")) << trace.size();

  r = mae_cli("bench --mode norm --model-config " + config +
                  " --batch 2 --steps 1 --warmup 0 --device cpu",
              dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "add + LayerNorm, encoder")) << r.out;
  EXPECT_TRUE(contains(r.out, "add + LayerNorm, decoder")) << r.out;

  r = mae_cli("bench --model-config " + config + " --device cpu --attention fastest", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "auto, flash, efficient, cudnn, math")) << r.err;

  // Ctrl-C stops it between steps, its scratch folder removed (one was left
  // in /tmp at each interrupt).
  const std::string scratch = dir + "/tmp";
  std::filesystem::create_directories(scratch);
  setenv("TMPDIR", scratch.c_str(), 1); // inherited through bash
  r = interrupted_once_shown("bench --model-config " + config +
                                 " --batch 4 --steps 1000000 --warmup 1 --device cpu --threads 1",
                             "bench steps 1/", dir);
  unsetenv("TMPDIR");
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_TRUE(contains(r.err, "interrupted: nothing measured")) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(scratch));
}

// Beside a busy core, the automatic thread count leaves that core alone:
// OpenMP threads sharing it would wait for each other at every barrier.
TEST(Cli, AutomaticThreadsLeaveABusyCoreAlone) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  if (cores < 2)
    GTEST_SKIP() << "one core";
  test::RunResult r;
  {
    const test::BusyCore busy;
    r = mae_raw("bench --mode infer --model-config " + q(test::fixture("mae_config.json")) +
                    " --batch 1 --steps 1 --warmup 0 --device cpu",
                test::temp_dir("cli_busy_core"));
  }
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out.substr(r.out.rfind("{")));
  const std::string device = line["device"];
  ASSERT_EQ(device.rfind("CPU (", 0), 0u) << device;
  EXPECT_LT(std::stoi(device.substr(5)), cores) << device;
}

// A mistyped command, option or config field names what was probably meant.
TEST(Cli, TyposGetASuggestion) {
  const std::string dir = test::temp_dir("cli_typos");
  auto r = mae_raw("trian", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown command 'trian' (did you mean 'train'?)")) << r.err;
  r = mae_raw("train --confg x.json", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown option --confg (did you mean --config?)")) << r.err;
  r = mae_raw("reconstruct --img=cat.png --out x.png", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown option --img (did you mean --image?)")) << r.err;
  r = mae_raw("info --frobnicate", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err,
                       "unknown option --frobnicate; the options are --model, --config, --arch, "
                       "--threads (see mae info --help)"))
      << r.err;
  // Nothing near it: pack's folder is --input, eval-recon's --images.
  r = mae_raw("pack --images photos --out packed", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown option --images; the options are --input, --out, "
                              "--short-side, --channels, --max-aspect, --shard-mb, --force, "
                              "--threads (see mae pack --help)"))
      << r.err;
  // A value without its option: the option it fits is named.
  std::filesystem::create_directories(dir + "/photos");
  const std::string photos = dir + "/photos";
  r = mae_raw("pack " + q(photos) + " --out " + q(dir + "/packed"), dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unexpected argument '" + photos + "' (did you mean --input " +
                                  photos + "?)"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/packed"));
  r = mae_raw("reconstruct --model m.safetensors cat.png --out x.png", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unexpected argument 'cat.png' (did you mean --image cat.png?)"))
      << r.err;
  r = mae_raw("info m.safetensors extra", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unexpected argument 'extra'; usage: mae info MODEL [options]"))
      << r.err;
  std::ofstream(dir + "/c.json") << R"({"arch": "mae_vit_micro_patch4_28", "total_steps": 5,
                                        "mask_ratoi": 0.5})";
  r = mae_raw("train --config " + q(dir + "/c.json") + " --out " + q(dir + "/run"), dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "'mask_ratoi' (did you mean 'mask_ratio'?)")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run"));
}

TEST(Cli, BadInputsFailWithClearMessages) {
  const std::string dir = test::temp_dir("cli_errors");
  { std::ofstream(dir + "/not_an_image.png") << "plain text"; }
  auto r = mae_cli("reconstruct --model " + q(test::fixture("hf")) + " --image " +
                       q(dir + "/not_an_image.png") + " --out " + q(dir + "/fig.png"),
                   dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "not_an_image.png")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/fig.png"));

  r = mae_cli("reconstruct --model " + q(test::fixture("hf")) + " --out x.png", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--image is required (see mae reconstruct --help)")) << r.err;
  // --help says which options must be given.
  r = mae_cli("eval-recon --help", dir);
  EXPECT_TRUE(contains(r.out, "or one image (required)")) << r.out;
  r = mae_cli("eval-recon", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--images is required")) << r.err;

  r = mae_cli("reconstruct --model " + q(test::fixture("hf")) + " --image " +
                  q(test::data_path("images/photo.jpg")) + " --out x.png --ratio 1.5",
              dir);
  EXPECT_EQ(r.code, 2);

  r = mae_cli("info " + q(test::fixture("hf")) + " --arch mae_vit_colossal", dir);
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(contains(r.err, "unknown architecture")) << r.err;
  r = mae_cli("info " + q(test::fixture("hf")) + " --arch mae_vit_bse_patch16", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "(did you mean 'mae_vit_base_patch16'?)")) << r.err;

  std::ifstream in(test::fixture("hf/model.safetensors"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/cut.safetensors", std::ios::binary) << bytes.substr(0, 5000);
  r = mae_cli("info " + q(dir + "/cut.safetensors"), dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "cut.safetensors")) << r.err;

  r = mae_cli("forward --model " + q(test::fixture("hf")) + " --inputs " +
                  q(dir + "/missing.safetensors") + " --out " + q(dir + "/o.safetensors"),
              dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "missing.safetensors")) << r.err;
}

TEST(Cli, AConfigOfAnotherKindIsNamedWithItsCommand) {
  const std::string dir = test::temp_dir("cli_config_kind");
  const std::string configs = std::string(MAE_SOURCE_DIR) + "/configs/";
  auto r = mae_cli("train --config " + q(configs + "sweeps/fig5_mask_ratio.json") + " --out " +
                       q(dir + "/run"),
                   dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "unknown config field 'axes'; the file is a sweep file (mae sweep "
                              "FILE, or the app's Experiments tab)"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run"));
  r = mae_cli("sweep " + q(configs + "train/fmnist_tiny.json") + " --dry-run", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "the file is a training config (mae train --config FILE")) << r.err;
  r = mae_cli("finetune --model " + q(test::fixture("hf")) + " --data fmnist --recipe " +
                  q(configs + "models/mae_vit_base_patch16.json"),
              dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "the file is a model architecture")) << r.err;
  r = mae_cli("sweep " + q(configs + "sweeps/paper_ablations.json") + " --dry-run", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "the file is the paper's ablation tables")) << r.err;
  // A sweep of run lengths: --steps would have been overridden by each run's, silently.
  r = mae_cli("sweep " + q(configs + "sweeps/fig7_schedule.json") + " --dry-run --steps 10", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--steps: this sweep varies the runs' length itself (its axis "
                              "total_steps)"))
      << r.err;
}

} // namespace
} // namespace mae
