// mae-studio end to end: the headless test mode renders the real window
// under a virtual X server (xvfb-run), and these tests read its screenshot
// and the --layout JSON that says where each panel landed.
#include "../cli_runner.h"
#include "../fixture_server.h"

#include "data/fashion_mnist.h"
#include "data/image.h"
#include "data/image_io.h"
#include "eval/colormap.h"
#include "eval/reconstructor.h"
#include "formats/safetensors.h"
#include "train/preview_file.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <regex>

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

namespace mae {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;

const std::string kFixture = std::string(MAE_TEST_DATA) + "/vitmae/rgb32_p4/";
const std::string kModel = kFixture + "hf";

std::string q(const std::string& s) {
  return "'" + s + "'";
}

std::string temp_dir(const std::string& name) {
  const fs::path dir = fs::path(MAE_TEST_TMP) / "studio_gui" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

struct StudioRun {
  test::RunResult result;
  json layout;
  Image shot;
};

// Runs mae-studio headless in `dir` with its own config directory, writing
// dir/shot.png and dir/layout.json.
StudioRun studio(const std::string& dir, const std::string& args, const std::string& env = "") {
  // A hang is killed (exit 137) instead of holding the suite until CTest's limit.
  const std::string cmd = "timeout -s KILL 300 env XDG_CONFIG_HOME=" + q(dir + "/config") +
                          " MAE_THREADS=2 " + env + " " + q(MAE_STUDIO_PATH);
  StudioRun r;
  r.result =
      test::run_binary("/bin/sh",
                       "-c " + q(cmd.substr(0) + " " + args + " --screenshot " +
                                 q(dir + "/shot.png") + " --layout " + q(dir + "/layout.json")),
                       dir);
  if (fs::exists(dir + "/layout.json"))
    r.layout = json::parse(test::slurp(dir + "/layout.json"));
  if (fs::exists(dir + "/shot.png"))
    r.shot = load_image(dir + "/shot.png");
  return r;
}

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

// The caption lines shown under an image panel, joined.
std::string caption(const StudioRun& r, const std::string& name) {
  std::string text;
  for (const auto& line : r.layout.at("panels").at(name).value("caption", json::array()))
    text += line.get<std::string>() + "\n";
  return text;
}

Rect panel(const StudioRun& r, const std::string& name) {
  const json& p = r.layout.at("panels").at(name);
  return {p.at("x").get<int>(), p.at("y").get<int>(), p.at("w").get<int>(), p.at("h").get<int>()};
}

// Mean absolute difference of two same-sized regions, per channel value.
double region_diff(const Image& a, const Rect& ra, const Image& b, const Rect& rb) {
  double sum = 0;
  for (int y = 0; y < ra.h; ++y)
    for (int x = 0; x < ra.w * 3; ++x)
      sum += std::abs(a.row(ra.y + y)[ra.x * 3 + x] - b.row(rb.y + y)[rb.x * 3 + x]);
  return sum / (ra.w * ra.h * 3.0);
}

double region_stddev(const Image& img, const Rect& r) {
  double sum = 0, sq = 0;
  const double n = r.w * r.h * 3.0;
  for (int y = 0; y < r.h; ++y)
    for (int x = 0; x < r.w * 3; ++x) {
      const double v = img.row(r.y + y)[r.x * 3 + x];
      sum += v, sq += v * v;
    }
  return std::sqrt(std::max(0.0, sq / n - (sum / n) * (sum / n)));
}

// Fraction of the region's pixels within 2 of `rgb`: the mask fill colour.
double fraction_of_colour(const Image& img, const Rect& r, const json& rgb) {
  const int c[3] = {rgb[0].get<int>(), rgb[1].get<int>(), rgb[2].get<int>()};
  size_t hits = 0;
  for (int y = 0; y < r.h; ++y)
    for (int x = 0; x < r.w; ++x) {
      const uint8_t* px = img.row(r.y + y) + (r.x + x) * 3;
      if (std::abs(px[0] - c[0]) <= 2 && std::abs(px[1] - c[1]) <= 2 && std::abs(px[2] - c[2]) <= 2)
        ++hits;
    }
  return static_cast<double>(hits) / (static_cast<double>(r.w) * r.h);
}

// Fraction of the region's pixels within `tolerance` of `rgb`.
double fraction_near(const Image& img, const Rect& r, const int (&rgb)[3], int tolerance) {
  size_t hits = 0;
  for (int y = 0; y < r.h; ++y)
    for (int x = 0; x < r.w; ++x) {
      const uint8_t* px = img.row(r.y + y) + (r.x + x) * 3;
      if (std::abs(px[0] - rgb[0]) <= tolerance && std::abs(px[1] - rgb[1]) <= tolerance &&
          std::abs(px[2] - rgb[2]) <= tolerance)
        ++hits;
    }
  return static_cast<double>(hits) / (static_cast<double>(r.w) * r.h);
}

const json* popup(const StudioRun& r, const std::string& name) {
  for (const json& p : r.layout.at("popups"))
    if (p.at("name") == name)
      return &p;
  return nullptr;
}

void expect_inside(const StudioRun& r, const Rect& p) {
  EXPECT_GE(p.x, 0);
  EXPECT_GE(p.y, 0);
  EXPECT_LE(p.x + p.w, r.shot.width);
  EXPECT_LE(p.y + p.h, r.shot.height);
}

// A colour scale drawn with `colormap` whose ends read "0" and `top`.
void expect_colour_scale(const StudioRun& r, const std::string& name, Colormap colormap,
                         const std::string& top) {
  const Rect bar = panel(r, name);
  expect_inside(r, bar);
  ASSERT_GT(bar.w, 64) << name;
  const Image ends = colorize({0.0f, 1.0f}, 2, 1, 0.0f, 1.0f, colormap);
  const int low[3] = {ends.pixels[0], ends.pixels[1], ends.pixels[2]};
  const int high[3] = {ends.pixels[3], ends.pixels[4], ends.pixels[5]};
  const int end_w = bar.w / 32;
  EXPECT_GT(fraction_near(r.shot, {bar.x + 1, bar.y + 1, end_w, bar.h - 2}, low, 30), 0.9) << name;
  EXPECT_GT(
      fraction_near(r.shot, {bar.x + bar.w - 1 - end_w, bar.y + 1, end_w, bar.h - 2}, high, 30),
      0.9)
      << name;
  EXPECT_EQ(caption(r, name), "0\n" + top + "\n");
}

const char* const kExplorerPanels[] = {"masked",   "reconstruction", "reconstruction_visible",
                                       "original", "error_heatmap",  "telea",
                                       "mean_fill"};

TEST(StudioGui, HelpAndBadOptions) {
  const std::string dir = temp_dir("help");
  auto help = test::run_binary(MAE_STUDIO_PATH, "--help", dir);
  EXPECT_EQ(help.code, 0);
  for (const char* s : {"--drop", "--screenshot", "--layout", "--bench-latency", "--view",
                        "--train", "--train-steps", "--train-csv"})
    EXPECT_TRUE(contains(help.out, s)) << s;
  EXPECT_EQ(test::run_binary(MAE_STUDIO_PATH, "--ratio 2", dir).code, 2);
  EXPECT_EQ(test::run_binary(MAE_STUDIO_PATH, "--frobnicate", dir).code, 2);
  // More threads than any machine could use is refused before a window opens.
  const auto threads = test::run_binary(MAE_STUDIO_PATH, "--threads 1000", dir);
  EXPECT_NE(threads.code, 0);
  EXPECT_TRUE(contains(threads.err, "--threads 1000")) << threads.err;
}

TEST(StudioGui, FirstFrameShowsTheReconstructionPanels) {
  const std::string dir = temp_dir("explorer");
  const StudioRun r = studio(dir, "--model " + q(kModel) + " --frames 2");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  ASSERT_EQ(r.shot.width, 1600);
  ASSERT_EQ(r.shot.height, 1000);
  EXPECT_EQ(r.layout.at("tab"), "explorer");
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_TRUE(contains(r.layout.at("image").get<std::string>(), "chelsea.png"));
  ASSERT_EQ(r.layout.at("explorer").size(), 1u);
  for (const char* name : kExplorerPanels) {
    const Rect p = panel(r, name);
    EXPECT_GE(p.w, 150) << name;
    EXPECT_EQ(p.w, p.h) << name;
    expect_inside(r, p);
    EXPECT_GT(region_stddev(r.shot, p), 5.0) << name << " looks blank";
  }
  // Every panel shows something different.
  const Rect masked = panel(r, "masked");
  EXPECT_GT(region_diff(r.shot, masked, r.shot, panel(r, "reconstruction")), 10.0);
  EXPECT_GT(region_diff(r.shot, masked, r.shot, panel(r, "reconstruction_visible")), 5.0);
  EXPECT_GT(region_diff(r.shot, masked, r.shot, panel(r, "original")), 5.0);
  EXPECT_GT(region_diff(r.shot, masked, r.shot, panel(r, "telea")), 5.0);
  // Under the error map, its colour scale from 0 to the worst patch's error, under the panel.
  const Rect heat = panel(r, "error_heatmap"), scale = panel(r, "error_scale");
  EXPECT_GT(scale.y, heat.y + heat.h);
  EXPECT_LT(scale.y, heat.y + heat.h + 40);
  EXPECT_GE(scale.x, heat.x);
  EXPECT_LE(scale.x + scale.w, heat.x + heat.w);
  const std::string top =
      r.layout.at("panels").at("error_scale").at("caption").at(1).get<std::string>();
  EXPECT_GT(std::stod(top), 0.0) << top;
  expect_colour_scale(r, "error_scale", Colormap::Viridis, top);
  // The map colours the removed patches only: a visible one is grey (the
  // decoder's output there is in no loss and in no picture shown).
  const std::string mask = r.layout.at("explorer").at(0).at("mask").get<std::string>();
  const int grid = r.layout.at("explorer").at(0).at("grid").at(0).get<int>();
  ASSERT_EQ(mask.size(), static_cast<size_t>(grid * grid));
  int grey_visible = 0, grey_removed = 0;
  for (int p = 0; p < grid * grid; ++p) {
    const int x = heat.x + static_cast<int>((p % grid + 0.5) * heat.w / grid);
    const int y = heat.y + static_cast<int>((p / grid + 0.5) * heat.h / grid);
    const uint8_t* px = &r.shot.pixels[(static_cast<size_t>(y) * r.shot.width + x) * 3];
    const bool grey =
        std::abs(px[0] - 82) < 8 && std::abs(px[1] - 82) < 8 && std::abs(px[2] - 82) < 8;
    (mask[static_cast<size_t>(p)] == '1' ? grey_removed : grey_visible) += grey;
  }
  const auto removed = std::count(mask.begin(), mask.end(), '1');
  EXPECT_EQ(grey_visible, grid * grid - removed);
  EXPECT_EQ(grey_removed, 0);
  // The sidebar shows the whole source picture.
  EXPECT_GT(panel(r, "source").w, 100);
  // The recent-files list remembers what was opened.
  const std::string recent = test::slurp(dir + "/config/mae-studio/recent.json");
  EXPECT_TRUE(contains(recent, "chelsea.png")) << recent;
  EXPECT_TRUE(contains(recent, "rgb32_p4/hf")) << recent;
}

TEST(StudioGui, MaskedFractionFollowsTheRatio) {
  double fraction[2] = {0, 0};
  const double ratios[2] = {0.5, 0.9};
  for (int i = 0; i < 2; ++i) {
    const std::string dir = temp_dir("ratio" + std::to_string(i));
    const StudioRun r =
        studio(dir, "--model " + q(kModel) + " --ratio " + std::to_string(ratios[i]));
    ASSERT_EQ(r.result.code, 0) << r.result.err;
    const json& item = r.layout.at("explorer").at(0);
    const double expected = item.at("removed").get<double>() / item.at("patches").get<double>();
    fraction[i] = fraction_of_colour(r.shot, panel(r, "masked"), r.layout.at("mask_fill"));
    // Some visible pixels may happen to have the fill colour; removed ones always do.
    EXPECT_NEAR(fraction[i], expected, 0.03) << "ratio " << ratios[i];
    // The original has (almost) none of it.
    EXPECT_LT(fraction_of_colour(r.shot, panel(r, "original"), r.layout.at("mask_fill")), 0.03);
  }
  EXPECT_GT(fraction[1], fraction[0] + 0.3);
}

TEST(StudioGui, CompareViewsShowThreeColumns) {
  for (const std::string view : {"ratios", "strategies"}) {
    const std::string dir = temp_dir("compare_" + view);
    // Strategies on a wide screen, where the rows' height limits the grid.
    const std::string size = view == "strategies" ? " --size 1920x1080" : "";
    const StudioRun r =
        studio(dir, "--model " + q(kModel) + " --view " + view + " --ratio 0.75" + size);
    ASSERT_EQ(r.result.code, 0) << r.result.err;
    EXPECT_EQ(r.layout.at("tab"), "compare");
    const json& items = r.layout.at("compare");
    ASSERT_EQ(items.size(), 3u) << view;
    for (int i = 0; i < 3; ++i) {
      const Rect m = panel(r, "compare_masked_" + std::to_string(i));
      const Rect c = panel(r, "compare_reconstruction_" + std::to_string(i));
      expect_inside(r, m);
      expect_inside(r, c);
      expect_inside(r, panel(r, "compare_telea_" + std::to_string(i)));
      EXPECT_GE(m.w, 150);
      EXPECT_GT(region_diff(r.shot, m, r.shot, c), 5.0);
      EXPECT_TRUE(std::regex_search(caption(r, "compare_reconstruction_" + std::to_string(i)),
                                    std::regex(R"(^MAE masked MSE 0\.\d{4,6}\n$)")))
          << caption(r, "compare_reconstruction_" + std::to_string(i));
    }
    expect_inside(r, panel(r, "compare_original"));
    if (view == "ratios") {
      EXPECT_DOUBLE_EQ(items[0].at("ratio").get<double>(), 0.5);
      EXPECT_DOUBLE_EQ(items[2].at("ratio").get<double>(), 0.9);
      const double f0 =
          fraction_of_colour(r.shot, panel(r, "compare_masked_0"), r.layout.at("mask_fill"));
      const double f2 =
          fraction_of_colour(r.shot, panel(r, "compare_masked_2"), r.layout.at("mask_fill"));
      EXPECT_GT(f2, f0 + 0.3);
    } else {
      EXPECT_EQ(items[0].at("strategy"), "random");
      EXPECT_EQ(items[1].at("strategy"), "block");
      EXPECT_EQ(items[2].at("strategy"), "grid");
      // Same ratio, same number of removed patches, different places.
      EXPECT_EQ(items[0].at("removed"), items[2].at("removed"));
      EXPECT_GT(
          region_diff(r.shot, panel(r, "compare_masked_0"), r.shot, panel(r, "compare_masked_2")),
          5.0);
      // The width left over goes either side of the grid, not all to its right
      // (there a third of the screen stood empty); the columns take some of it
      // for their captions (up to twice a picture's width).
      const Rect sidebar_image = panel(r, "source"), first = panel(r, "compare_masked_0"),
                 original = panel(r, "compare_original");
      const int left = first.x - (sidebar_image.x + sidebar_image.w);
      const int right = r.shot.width - (original.x + original.w);
      EXPECT_GT(left, 40);
      EXPECT_LT(std::abs(left - right), 50) << left << " " << right;
    }
  }
}

// Large text on a laptop screen: the pictures are small (three rows must fit
// the height), but their captions take the width beside them and keep their
// numbers; before, each read "MSE 0...".
TEST(StudioGui, CompareCaptionsKeepTheirNumbersInLargeText) {
  const StudioRun r =
      studio(temp_dir("compare_large_text"),
             "--model " + q(kModel) + " --view ratios --size 1280x800 --ui-scale 1.5");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  for (int i = 0; i < 3; ++i) {
    const std::string id = std::to_string(i);
    for (const char* row : {"compare_reconstruction_", "compare_telea_"})
      EXPECT_TRUE(std::regex_search(caption(r, row + id),
                                    std::regex(R"(^(MAE |Telea )?(masked )?MSE 0\.\d{4}\n$)")))
          << caption(r, row + id);
    EXPECT_TRUE(
        std::regex_search(caption(r, "compare_masked_" + id), std::regex(R"(^\d+ ?(of|/) ?\d+)")))
        << caption(r, "compare_masked_" + id);
  }
}

// Two models side by side on one mask (here of different sizes: the 32 px
// fixture and the shipped default), kept in a saved view.
TEST(StudioGui, CompareTwoModelsSideBySide) {
  const std::string shipped =
      fs::weakly_canonical(std::string(MAE_TEST_DATA) + "/../../assets/models/default.safetensors")
          .string();
  const std::string dir = temp_dir("compare_models");
  const StudioRun r = studio(dir, "--model " + q(kModel) + " --compare-model " + q(shipped) +
                                      " --view models --ratio 0.5 --seed 3 --save-view " +
                                      q(dir + "/view.json") + " --export " + q(dir + "/a.png"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_EQ(r.layout.at("compare_mode"), "models");
  EXPECT_EQ(r.layout.at("second_model"), shipped);
  const json& items = r.layout.at("compare");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("model"), "hf");
  EXPECT_EQ(items[1].at("model"), "default.safetensors");
  for (const json& item : items) {
    EXPECT_EQ(item.at("strategy"), "random");
    EXPECT_DOUBLE_EQ(item.at("ratio").get<double>(), 0.5);
    EXPECT_EQ(item.at("seed"), 3);
  }
  EXPECT_NE(items[0].at("patches"), items[1].at("patches")); // each model's own grid
  // Its other input is said, and that the two MSEs are on different pixels.
  EXPECT_TRUE(contains(r.layout.at("compare_note").get<std::string>(),
                       "The second model takes 224 x 224 colour pictures in 16-pixel patches: it "
                       "sees this picture resized to 224 x 224, on its own 14 x 14 grid and mask"))
      << r.layout.at("compare_note");
  for (int i = 0; i < 2; ++i) {
    const Rect m = panel(r, "compare_masked_" + std::to_string(i));
    const Rect c = panel(r, "compare_reconstruction_" + std::to_string(i));
    expect_inside(r, m);
    expect_inside(r, c);
    EXPECT_GT(region_diff(r.shot, m, r.shot, c), 5.0);
  }
  const json view = json::parse(test::slurp(dir + "/view.json"));
  EXPECT_EQ(view.at("compare_mode"), "models");
  EXPECT_EQ(view.at("second_model").at("sha256").get<std::string>().size(), 64u);

  // The view brings both models back, and the same figure.
  const std::string again = temp_dir("compare_models_again");
  const StudioRun reopened =
      studio(again, "--state " + q(dir + "/view.json") + " --export " + q(again + "/b.png"));
  ASSERT_EQ(reopened.result.code, 0) << reopened.result.err;
  EXPECT_EQ(reopened.layout.at("compare").size(), 2u);
  EXPECT_EQ(reopened.layout.at("second_model"), shipped);
  const std::string a = test::slurp(dir + "/a.png"), b = test::slurp(again + "/b.png");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "the reopened two-model figure differs";

  // A second model that cannot be read says so; the main one stays.
  const std::string bad_dir = temp_dir("compare_models_missing");
  const StudioRun bad = studio(bad_dir, "--model " + q(kModel) + " --view models --compare-model " +
                                            q(bad_dir + "/nope.safetensors"));
  ASSERT_EQ(bad.result.code, 0) << bad.result.err;
  const json* p = popup(bad, "error");
  ASSERT_NE(p, nullptr) << bad.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("title").get<std::string>(), "second model")) << p->dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "nope.safetensors")) << p->dump();
  EXPECT_FALSE(bad.layout.at("model").is_null());
  EXPECT_TRUE(bad.layout.at("compare").empty());
}

// The Experiments tab runs a (tiny) sweep: its table fills and its figure
// is drawn; opened again later, the finished sweep shows its results.
TEST(StudioGui, ExperimentsTabRunsASweepAndReopensIt) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const std::string dir = temp_dir("experiments");
  const json base = json::parse(R"({
    "name": "tiny",
    "model": {"img_size": 28, "patch_size": 7, "in_chans": 1, "embed_dim": 32, "depth": 1,
              "num_heads": 2, "decoder_embed_dim": 16, "decoder_depth": 1,
              "decoder_num_heads": 2, "mlp_ratio": 2.0},
    "data": {"type": "fmnist"}, "normalization": {"mean": [0.286], "std": [0.353]},
    "batch_size": 16, "warmup_steps": 1, "total_steps": 4, "probe_every": 0,
    "probe_bank_size": 200, "probe_query_size": 100, "num_workers": 0})");
  const json sweep = json::parse(R"({
    "name": "tiny_strategy", "title": "strategies", "base": "base.json",
    "findings": "random wins",
    "axes": [{"field": "mask_strategy", "values": ["random", "grid"]}],
    "evaluations": ["knn"],
    "reference": {"file": "paper.json", "table": "mask_sampling"}})");
  // Laid out as the project is: configs/sweeps/ beside docs/ablations/.
  const std::string sweeps = dir + "/configs/sweeps";
  fs::create_directories(sweeps);
  std::ofstream(sweeps + "/base.json") << base.dump();
  std::ofstream(sweeps + "/sweep.json") << sweep.dump();
  fs::copy(std::string(MAE_TEST_DATA) + "/../../configs/sweeps/paper_ablations.json",
           sweeps + "/paper.json");
  const std::string open = "--model " + q(kModel) + " --sweep " + q(sweeps + "/sweep.json");
  const std::string args = open + " --sweep-out " + q(dir + "/out");
  const StudioRun r = studio(dir, args + " --sweep-run");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_EQ(r.layout.at("tab"), "experiments");
  const json& ex = r.layout.at("experiments");
  EXPECT_EQ(ex.at("state"), "finished");
  EXPECT_EQ(ex.at("findings"), "random wins"); // shown under the title
  EXPECT_EQ(ex.at("plot_error"), "");
  EXPECT_TRUE(contains(ex.at("plot_note").get<std::string>(), "dashed lines: the paper's"));
  ASSERT_EQ(ex.at("rows").size(), 2u);
  for (const json& row : ex.at("rows")) {
    EXPECT_TRUE(row.at("done").get<bool>()) << row;
    EXPECT_TRUE(row.contains("knn")) << row;
  }
  EXPECT_TRUE(fs::exists(dir + "/out/results.csv"));
  const Rect plot = panel(r, "sweep_plot");
  expect_inside(r, plot);
  EXPECT_GT(plot.w, 400);
  EXPECT_GT(region_stddev(r.shot, plot), 5.0); // a drawn figure, not an empty panel
  expect_inside(r, panel(r, "sweep_table"));

  // Opened again without running: the finished sweep's results from its folder.
  const StudioRun again = studio(temp_dir("experiments_again"), args);
  ASSERT_EQ(again.result.code, 0) << again.result.err;
  EXPECT_EQ(again.layout.at("experiments").at("state"), "idle");
  EXPECT_EQ(again.layout.at("experiments").at("rows"), ex.at("rows"));
  EXPECT_EQ(again.layout.at("experiments").at("results_from"), dir + "/out");

  // Quick evaluations: the same runs, a folder of their own (the full
  // sweep's results are not theirs), as `mae sweep --quick`.
  const StudioRun quick = studio(temp_dir("experiments_quick"), open + " --sweep-quick");
  ASSERT_EQ(quick.result.code, 0) << quick.result.err;
  const json& qx = quick.layout.at("experiments");
  EXPECT_TRUE(qx.at("quick").get<bool>());
  EXPECT_EQ(qx.at("out_dir"), "runs/sweeps/tiny_strategy-quick");
  EXPECT_EQ(qx.at("title"), "strategies (quick evaluations)");
  EXPECT_EQ(qx.at("rows").size(), 2u);
  EXPECT_FALSE(qx.at("rows")[0].at("done").get<bool>());
  EXPECT_TRUE(quick.layout.at("popups").empty()) << quick.layout.at("popups").dump();

  // Results shipped with the docs show where this machine has none yet.
  fs::create_directories(dir + "/docs/ablations/tiny_strategy");
  fs::copy(dir + "/out/results.jsonl", dir + "/docs/ablations/tiny_strategy/results.jsonl");
  const StudioRun shipped =
      studio(temp_dir("experiments_shipped"), open + " --sweep-out " + q(dir + "/fresh"));
  ASSERT_EQ(shipped.result.code, 0) << shipped.result.err;
  EXPECT_EQ(shipped.layout.at("experiments").at("rows"), ex.at("rows"));
  EXPECT_TRUE(contains(shipped.layout.at("experiments").at("results_from").get<std::string>(),
                       "docs/ablations/tiny_strategy"));
  // The shipped results are full evaluations: not titled quick ones in quick mode.
  const StudioRun shipped_quick =
      studio(temp_dir("experiments_shipped_quick"),
             open + " --sweep-quick --sweep-out " + q(dir + "/fresh_quick"));
  ASSERT_EQ(shipped_quick.result.code, 0) << shipped_quick.result.err;
  EXPECT_EQ(shipped_quick.layout.at("experiments").at("title"),
            "strategies (shipped results, full evaluations)");

  // A sweep without the paper's numbers does not promise dashed lines.
  json figure = sweep;
  figure.erase("reference");
  figure["name"] = "tiny_figure";
  std::ofstream(sweeps + "/figure.json") << figure.dump();
  const StudioRun no_numbers =
      studio(temp_dir("experiments_figure"), "--model " + q(kModel) + " --sweep " +
                                                 q(sweeps + "/figure.json") + " --sweep-out " +
                                                 q(dir + "/figure_out"));
  ASSERT_EQ(no_numbers.result.code, 0) << no_numbers.result.err;
  EXPECT_TRUE(contains(no_numbers.layout.at("experiments").at("plot_note").get<std::string>(),
                       "no numbers to draw"))
      << no_numbers.layout.at("experiments").dump();

  // A sweep file with a mistake: a popup naming the field.
  json bad = sweep;
  bad["evaluations"] = {"imagenet"};
  std::ofstream(sweeps + "/bad.json") << bad.dump();
  const StudioRun broken = studio(temp_dir("experiments_bad"),
                                  "--model " + q(kModel) + " --sweep " + q(sweeps + "/bad.json"));
  ASSERT_EQ(broken.result.code, 0) << broken.result.err;
  const json* p = popup(broken, "error");
  ASSERT_NE(p, nullptr) << broken.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "evaluations")) << p->dump();
}

// A bad drop leaves the previous state and shows an error popup over it.
void expect_error_popup(const std::string& name, const std::string& file, const char* kept_key) {
  const std::string dir = temp_dir(name);
  const StudioRun before = studio(dir + "", "--model " + q(kModel));
  ASSERT_EQ(before.result.code, 0) << before.result.err;
  const std::string after_dir = temp_dir(name + "_after");
  const StudioRun r = studio(after_dir, "--model " + q(kModel) + " --drop " + q(file));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json* p = popup(r, "error");
  ASSERT_NE(p, nullptr) << r.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), fs::path(file).filename().string()))
      << p->dump();
  EXPECT_EQ(r.layout.at(kept_key), before.layout.at(kept_key));
  // The popup is really on screen: its area differs from the same area without it.
  const json& pr = p->at("rect");
  const Rect area{pr.at("x").get<int>(), pr.at("y").get<int>(), pr.at("w").get<int>(),
                  pr.at("h").get<int>()};
  expect_inside(r, area);
  EXPECT_GT(region_diff(r.shot, area, before.shot, area), 10.0);
  // And the panels behind it still show the previous reconstruction (dimmed).
  EXPECT_GT(region_stddev(r.shot, panel(r, "original")), 3.0);
}

TEST(StudioGui, NotAnImageShowsAnErrorAndKeepsTheImage) {
  const std::string dir = temp_dir("bad_image_file");
  std::ofstream(dir + "/notes.png") << "this is text, not a PNG\n";
  expect_error_popup("bad_image", dir + "/notes.png", "image");
}

TEST(StudioGui, TruncatedModelShowsAnErrorAndKeepsTheModel) {
  const std::string dir = temp_dir("bad_model_file");
  std::ifstream in(kModel + "/model.safetensors", std::ios::binary);
  std::string bytes(5000, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(dir + "/truncated.safetensors", std::ios::binary) << bytes;
  expect_error_popup("bad_model", dir + "/truncated.safetensors", "model");
}

TEST(StudioGui, UnsupportedFileShowsAnError) {
  const std::string dir = temp_dir("unsupported_file");
  std::ofstream(dir + "/notes.txt") << "hello\n";
  expect_error_popup("unsupported", dir + "/notes.txt", "image");
}

// Copies a safetensors file to `out` with `edit` applied to the metadata and
// to each tensor's bytes.
void rewrite_safetensors(
    const std::string& in, const std::string& out,
    const std::function<void(std::map<std::string, std::string>&, const std::string&,
                             const TensorView&, std::vector<uint8_t>&)>& edit) {
  SafetensorsFile f = read_safetensors(in);
  std::map<std::string, std::string> meta = f.metadata;
  std::vector<std::vector<uint8_t>> bytes;
  for (const auto& [n, t] : f.tensors) {
    bytes.push_back(t.contiguous_bytes());
    edit(meta, n, t, bytes.back());
  }
  std::vector<SafetensorsEntry> entries;
  size_t i = 0;
  for (const auto& [n, t] : f.tensors)
    entries.push_back({n, t.dtype, t.shape, bytes[i].data(), bytes[i].size()}), ++i;
  write_safetensors(out, entries, meta);
}

// Files a hostile user (or a slip of the mouse) drops: each one gets a popup
// naming it and the reason, and the model and the image stay as they were.
TEST(StudioGui, HostileDropsShowTheReasonAndKeepTheModelAndImage) {
  const std::string dir = temp_dir("hostile_drops");
  ASSERT_EQ(::mkfifo((dir + "/fifo.png").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir + "/fifo.safetensors").c_str(), 0600), 0);
  fs::create_directories(dir + "/folder.png");
  fs::copy(kModel, dir + "/huge_hf");
  std::string config = test::slurp(kModel + "/config.json");
  const size_t at = config.find("\"num_hidden_layers\"");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, config.find(',', at) - at, "\"num_hidden_layers\": 1000000");
  std::ofstream(dir + "/huge_hf/config.json") << config;
  struct Case {
    std::string file, phrase;
  };
  for (const Case& c : {Case{dir + "/fifo.png", "FIFO"}, Case{dir + "/fifo.safetensors", "FIFO"},
                        Case{dir + "/folder.png", "Not an image or a model"},
                        Case{dir + "/huge_hf", "'num_hidden_layers'"},
                        Case{"/dev/zero", "Not an image or a model"}}) {
    const std::string name = fs::path(c.file).filename().string();
    const StudioRun r = studio(temp_dir("hostile_" + name),
                               "--model " + q(kModel) + " --drop " + q(c.file) + " --frames 1");
    ASSERT_EQ(r.result.code, 0) << name << r.result.err;
    const json* p = popup(r, "error");
    ASSERT_NE(p, nullptr) << name << r.layout.at("popups").dump();
    const std::string text = p->at("text");
    EXPECT_TRUE(contains(text, name) && contains(text, c.phrase)) << text;
    EXPECT_TRUE(contains(r.layout.at("model").get<std::string>(), "rgb32_p4/hf")) << name;
    EXPECT_TRUE(contains(r.layout.at("image").get<std::string>(), "chelsea.png")) << name;
    EXPECT_EQ(r.layout.at("explorer").size(), 1u) << name;
  }
}

// A .json dropped on the window goes where it belongs, told apart by its
// fields: a sweep to Experiments, a lesson to Present, a training config to
// Training; one the app has no place for names what it is.
TEST(StudioGui, DroppedDocumentsGoWhereTheyBelong) {
  const std::string src = MAE_SOURCE_DIR;
  const std::string sweep = src + "/configs/sweeps/fig5_mask_ratio.json",
                    lesson = src + "/assets/lessons/mae_in_eight_slides.json",
                    recipe = src + "/configs/finetune/fmnist.json",
                    config = src + "/configs/train/fmnist_tiny.json";
  const StudioRun r =
      studio(temp_dir("drop_documents"), "--model " + q(kModel) + " --drop " + q(sweep) +
                                             " --drop " + q(lesson) + " --drop " + q(recipe) +
                                             " --drop " + q(kModel + "/config.json") + " --drop " +
                                             q(config) + " --frames 1");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_EQ(r.layout.at("experiments").at("sweep"), "fig5_mask_ratio");
  EXPECT_EQ(r.layout.at("present").at("lesson"), lesson);
  EXPECT_EQ(r.layout.at("training").at("config"), config);
  EXPECT_EQ(r.layout.at("tab"), "training"); // the last one dropped is shown
  const json* p = popup(r, "error");
  ASSERT_NE(p, nullptr) << r.layout.at("popups").dump();
  const std::string text = p->at("text");
  EXPECT_TRUE(contains(text, "fmnist.json") &&
              contains(text, "This is a fine-tuning recipe (mae finetune --recipe FILE)"))
      << text;
  // The lesson's first slide brought its model, as File > Open lesson does; a HuggingFace
  // config.json dropped after it opened its folder as the model again.
  EXPECT_TRUE(contains(r.layout.at("model").get<std::string>(), "rgb32_p4/hf"))
      << r.layout.at("model");
}

// What loads with a flaw says so: a cut-off JPEG, and weights that are not finite.
TEST(StudioGui, TruncatedPicturesAndNonFiniteWeightsAreNamed) {
  const std::string dir = temp_dir("flawed");
  const std::string photo = test::slurp(std::string(MAE_TEST_DATA) + "/images/photo.jpg");
  std::ofstream(dir + "/cut.jpg", std::ios::binary) << photo.substr(0, photo.size() / 2);
  const StudioRun cut =
      studio(temp_dir("flawed_jpeg"), "--model " + q(kModel) + " --image " + q(dir + "/cut.jpg"));
  ASSERT_EQ(cut.result.code, 0) << cut.result.err;
  EXPECT_TRUE(contains(cut.layout.at("image").get<std::string>(), "cut.jpg"));
  EXPECT_TRUE(contains(cut.layout.at("image_note").get<std::string>(), "truncated"))
      << cut.layout.at("image_note");

  auto conv = test::run_binary(MAE_CLI_PATH,
                               "convert " + q(kModel) + " --out " + q(dir + "/m.safetensors"), dir);
  ASSERT_EQ(conv.code, 0) << conv.err;
  rewrite_safetensors(dir + "/m.safetensors", dir + "/nan.safetensors",
                      [](auto&, const std::string&, const TensorView& t, auto& bytes) {
                        if (t.dtype == DType::F32)
                          for (size_t b = 0; b + 4 <= bytes.size(); b += 4)
                            bytes[b + 3] = 0x7F, bytes[b + 2] = 0xC0; // a quiet NaN
                      });
  const StudioRun nan =
      studio(temp_dir("flawed_weights"), "--model " + q(dir + "/nan.safetensors"));
  ASSERT_EQ(nan.result.code, 0) << nan.result.err;
  EXPECT_TRUE(contains(nan.layout.at("status").get<std::string>(), "will not be finite"))
      << nan.layout.at("status");
  // No error is made up from NaN clamped into 8-bit pixels ("MAE 0.09696, 34 % higher"):
  // it is not finite (NaN is null in JSON).
  ASSERT_FALSE(nan.layout.at("explorer").empty());
  EXPECT_TRUE(nan.layout.at("explorer")[0].at("mae_mse").is_null())
      << nan.layout.at("explorer")[0].dump();

  // A picture whose name is not UTF-8 opens; the recent-files list (JSON,
  // UTF-8 only) leaves it out. Its save killed the app.
  const std::string odd = dir + "/odd\xff\xfename.jpg";
  std::ofstream(odd, std::ios::binary) << photo;
  const std::string odd_dir = temp_dir("flawed_name");
  const StudioRun named = studio(odd_dir, "--model " + q(kModel) + " --image " + q(odd));
  ASSERT_EQ(named.result.code, 0) << named.result.err;
  EXPECT_TRUE(named.layout.at("popups").empty()) << named.layout.at("popups").dump();
  EXPECT_FALSE(named.layout.at("explorer").empty());
}

TEST(StudioGui, OfficialPthWithoutConfigAsksForTheArchitecture) {
  const std::string dir = temp_dir("pth");
  const StudioRun r =
      studio(dir, "--model " + q(kModel) + " --drop " + q(kFixture + "official.pth"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json* p = popup(r, "architecture");
  ASSERT_NE(p, nullptr) << r.layout.at("popups").dump();
  EXPECT_EQ(p->at("text"), "official.pth");
  EXPECT_TRUE(contains(r.layout.at("model").get<std::string>(), "rgb32_p4/hf"));
}

TEST(StudioGui, DroppedImagesOfEveryKindAreReconstructed) {
  const std::string dir = temp_dir("images_in");
  // Grey, 16-bit RGB, RGBA, very large, tiny, and a JPEG.
  cv::Mat grey(120, 90, CV_8UC1), rgb16(64, 80, CV_16UC3), rgba(50, 70, CV_8UC4),
      coarse(6, 5, CV_8UC3), big, tiny(5, 7, CV_8UC3);
  cv::randu(grey, 0, 255);
  cv::randu(rgb16, 0, 65535);
  cv::randu(rgba, 0, 255);
  cv::randu(coarse, 0, 255);
  cv::randu(tiny, 0, 255);
  // Smooth, so that it still has structure once shrunk to the model's size.
  cv::resize(coarse, big, cv::Size(5000, 4200), 0, 0, cv::INTER_CUBIC);
  ASSERT_TRUE(cv::imwrite(dir + "/grey.png", grey));
  ASSERT_TRUE(cv::imwrite(dir + "/deep.tiff", rgb16));
  ASSERT_TRUE(cv::imwrite(dir + "/alpha.png", rgba));
  ASSERT_TRUE(cv::imwrite(dir + "/big.jpg", big));
  ASSERT_TRUE(cv::imwrite(dir + "/tiny.bmp", tiny));
  struct Case {
    const char* file;
    int w, h, channels;
  };
  for (const Case c :
       {Case{"grey.png", 90, 120, 1}, Case{"deep.tiff", 80, 64, 3}, Case{"alpha.png", 70, 50, 3},
        Case{"big.jpg", 5000, 4200, 3}, Case{"tiny.bmp", 7, 5, 3}}) {
    const std::string out = temp_dir(std::string("image_") + c.file);
    const StudioRun r = studio(out, "--model " + q(kModel) + " --drop " + q(dir + "/" + c.file));
    ASSERT_EQ(r.result.code, 0) << c.file << r.result.err;
    EXPECT_TRUE(r.layout.at("popups").empty()) << c.file << r.layout.at("popups").dump();
    EXPECT_TRUE(contains(r.layout.at("image").get<std::string>(), c.file)) << c.file;
    EXPECT_EQ(r.layout.at("image_size"), json::array({c.w, c.h, c.channels})) << c.file;
    // Displayed at most 2048 px wide or high.
    EXPECT_LE(std::max(r.layout.at("preview_size")[0].get<int>(),
                       r.layout.at("preview_size")[1].get<int>()),
              2048);
    EXPECT_GT(region_stddev(r.shot, panel(r, "original")), 3.0) << c.file;
  }
}

TEST(StudioGui, StartsWithoutAModelAndSaysSo) {
  const std::string dir = temp_dir("no_model");
  fs::create_directories(dir + "/assets/models");
  fs::create_directories(dir + "/assets/images");
  const StudioRun r = studio(dir, "", "MAE_STUDIO_ASSETS=" + q(dir + "/assets"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("model").is_null());
  EXPECT_TRUE(contains(r.layout.at("model_note").get<std::string>(), "no model loaded"))
      << r.layout.dump();
  EXPECT_TRUE(r.layout.at("panels").find("masked") == r.layout.at("panels").end());
}

TEST(StudioGui, FallsBackToAnotherModelAndSaysSo) {
  const std::string dir = temp_dir("fallback");
  fs::create_directories(dir + "/assets/models");
  fs::create_directories(dir + "/assets/images");
  fs::copy_file(std::string(MAE_TEST_DATA) + "/../../assets/images/chelsea.png",
                dir + "/assets/images/chelsea.png");
  auto conv = test::run_binary(
      MAE_CLI_PATH, "convert " + q(kModel) + " --out " + q(dir + "/assets/models/tiny.safetensors"),
      dir);
  ASSERT_EQ(conv.code, 0) << conv.err;
  const StudioRun r = studio(dir, "", "MAE_STUDIO_ASSETS=" + q(dir + "/assets"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(contains(r.layout.at("model").get<std::string>(), "tiny.safetensors"));
  const std::string note = r.layout.at("model_note");
  EXPECT_TRUE(contains(note, "default.safetensors not found") && contains(note, "tiny.safetensors"))
      << note;
  EXPECT_EQ(r.layout.at("explorer").size(), 1u);
}

TEST(StudioGui, ExportWritesTheSameFigureAsTheCli) {
  const std::string dir = temp_dir("export");
  const std::string image = std::string(MAE_TEST_DATA) + "/../../assets/images/chelsea.png";
  const StudioRun r =
      studio(dir, "--model " + q(kModel) + " --image " + q(image) +
                      " --ratio 0.6 --strategy block --seed 5 --export " + q(dir + "/studio.png"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  auto cli = test::run_binary(MAE_CLI_PATH,
                              "reconstruct --model " + q(kModel) + " --image " + q(image) +
                                  " --ratio 0.6 --strategy block --seed 5 --device cpu --out " +
                                  q(dir + "/cli.png"),
                              dir);
  ASSERT_EQ(cli.code, 0) << cli.err;
  const Image a = load_image(dir + "/studio.png"), b = load_image(dir + "/cli.png");
  ASSERT_EQ(a.width, b.width);
  ASSERT_EQ(a.height, b.height);
  // Identical except the timing in the last caption line.
  const Rect panels{0, 0, a.width, a.height - 30};
  EXPECT_EQ(region_diff(a, panels, b, panels), 0.0);
}

// At 1280 x 720 every sidebar control is in view (no scrolling) and the
// Explorer's panels fit.
TEST(StudioGui, AtHdReadyEveryControlIsInView) {
  const StudioRun r = studio(temp_dir("hd_ready"), "--model " + q(kModel) + " --size 1280x720");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_EQ(r.layout.at("sidebar_overflow").get<float>(), 0.0f);
  for (const char* name : kExplorerPanels)
    expect_inside(r, panel(r, name));
}

// Captions keep their numbers in small windows (brief forms, not "...").
TEST(StudioGui, SmallWindowsStillFitEveryPanel) {
  const std::string dir = temp_dir("small_window");
  const StudioRun r = studio(dir, "--model " + q(kModel) + " --size 1100x700");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_EQ(r.shot.width, 1100);
  EXPECT_EQ(r.shot.height, 700);
  for (const char* name : kExplorerPanels) {
    const Rect p = panel(r, name);
    EXPECT_GE(p.w, 60) << name;
    expect_inside(r, p);
    EXPECT_EQ(caption(r, name).find("..."), std::string::npos) << name << ": " << caption(r, name);
  }
  EXPECT_TRUE(std::regex_search(caption(r, "telea"), std::regex(R"(MSE 0\.\d{4})")));

  const StudioRun c =
      studio(temp_dir("small_compare"), "--model " + q(kModel) + " --size 1280x720 --view ratios");
  ASSERT_EQ(c.result.code, 0) << c.result.err;
  for (const char* kind : {"masked", "reconstruction", "telea"})
    for (int i = 0; i < 3; ++i) {
      const std::string name = std::string("compare_") + kind + "_" + std::to_string(i);
      EXPECT_EQ(caption(c, name).find("..."), std::string::npos)
          << name << ": " << caption(c, name);
      if (std::string(kind) != "masked")
        EXPECT_TRUE(std::regex_search(caption(c, name), std::regex(R"(MSE 0\.\d{4})")))
            << name << ": " << caption(c, name);
    }
}

// The How-it-works tab: the eight stages of one forward, a highlighted patch
// followed through every stage, and one stage opened large.
const char* const kHowStages[] = {"how_image",          "how_masking",       "how_encoder_input",
                                  "how_encoder_output", "how_decoder_input", "how_prediction",
                                  "how_loss",           "how_reconstruction"};
const int kYellow[3] = {255, 215, 0};

bool overlap(const Rect& a, const Rect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

TEST(StudioGui, HowItWorksShowsEveryStageAndFollowsAPatch) {
  const StudioRun plain = studio(temp_dir("how"), "--model " + q(kModel) + " --view how");
  ASSERT_EQ(plain.result.code, 0) << plain.result.err;
  EXPECT_EQ(plain.layout.at("tab"), "how");
  EXPECT_EQ(plain.layout.at("how").at("patch"), -1);
  for (const char* name : kHowStages) {
    const Rect p = panel(plain, name);
    expect_inside(plain, p);
    EXPECT_GE(p.w, 150) << name;
    EXPECT_GT(region_stddev(plain.shot, p), 3.0) << name << ": a blank stage";
    EXPECT_LT(fraction_near(plain.shot, p, kYellow, 12), 0.001) << name;
    for (const char* other : kHowStages)
      if (std::string(other) != name)
        EXPECT_FALSE(overlap(p, panel(plain, other))) << name << " / " << other;
  }
  // The masking stage outlines the kept patches in green.
  const int green[3] = {90, 210, 120};
  EXPECT_GT(fraction_near(plain.shot, panel(plain, "how_masking"), green, 12), 0.02);

  // Two patches highlighted in turn: each is outlined in every grid stage, and
  // in the encoder's packed input exactly when it is kept.
  int kept_seen = 0, removed_seen = 0;
  for (const int patch : {0, 9, 27, 36, 63}) {
    const StudioRun r =
        studio(temp_dir("how_patch_" + std::to_string(patch)),
               "--model " + q(kModel) + " --view how --patch " + std::to_string(patch));
    ASSERT_EQ(r.result.code, 0) << r.result.err;
    EXPECT_EQ(r.layout.at("how").at("patch"), patch);
    const std::string text = r.layout.at("how").at("patch_text");
    EXPECT_TRUE(contains(text, "patch " + std::to_string(patch) + " (row")) << text;
    const bool kept = contains(text, "kept, encoder token");
    EXPECT_NE(kept, contains(text, "removed")) << text;
    kept ? ++kept_seen : ++removed_seen;
    for (const char* name : kHowStages) {
      const double yellow = fraction_near(r.shot, panel(r, name), kYellow, 12);
      if (std::string(name) == "how_encoder_input")
        EXPECT_EQ(yellow > 0.001, kept) << patch << " " << text;
      else
        EXPECT_GT(yellow, 0.001) << name << " " << patch;
    }
  }
  EXPECT_GT(kept_seen, 0);
  EXPECT_GT(removed_seen, 0);
}

// At 1280 x 720 every stage's text fits whole: captions in their brief forms,
// formulas wrapped, the pictures smaller to make room.
TEST(StudioGui, HowItWorksOpensAStageLargeAndFitsSmallScreens) {
  const StudioRun overview =
      studio(temp_dir("how_small"), "--model " + q(kModel) + " --view how --size 1280x720");
  ASSERT_EQ(overview.result.code, 0) << overview.result.err;
  for (const char* name : kHowStages) {
    expect_inside(overview, panel(overview, name));
    expect_inside(overview, panel(overview, std::string(name) + "_card"));
    EXPECT_EQ(caption(overview, name).find("..."), std::string::npos)
        << name << ": " << caption(overview, name);
  }
  EXPECT_TRUE(contains(caption(overview, "how_loss"),
                       "loss = mean over removed i of |pred_i - target_i|^2"))
      << caption(overview, "how_loss");
  EXPECT_TRUE(std::regex_search(caption(overview, "how_encoder_input"),
                                std::regex(R"(\d+\.\d [MG]FLOP.*\d+\.\dx less)")))
      << caption(overview, "how_encoder_input");
  EXPECT_TRUE(std::regex_search(caption(overview, "how_reconstruction"),
                                std::regex(R"(masked MSE 0\.\d{4})")))
      << caption(overview, "how_reconstruction");
  const StudioRun detail = studio(temp_dir("how_detail"), "--model " + q(kModel) +
                                                              " --view how --how-stage 7 "
                                                              "--size 1280x720");
  ASSERT_EQ(detail.result.code, 0) << detail.result.err;
  EXPECT_EQ(detail.layout.at("how").at("stage"), 6);
  const json& panels = detail.layout.at("panels");
  EXPECT_TRUE(panels.find("how_image") == panels.end());
  const Rect loss = panel(detail, "how_loss");
  expect_inside(detail, loss);
  EXPECT_GT(loss.w, 2 * panel(overview, "how_loss").w);
}

// The Attention tab shows the real forward's map: the same numbers as the
// Reconstructor gives for that picture, mask and query.
TEST(StudioGui, AttentionShowsTheModelsMapForTheSelectedPatch) {
  const std::string image = std::string(MAE_TEST_DATA) + "/../../assets/images/chelsea.png";
  auto model = Reconstructor::load(kModel, {}, "cpu");
  const ModelConfig& c = model->info().config;
  const Image input = convert_channels(resize_center_crop(load_image(image), c.img_size), 3);
  MaskSettings mask;
  AttentionQuery query;
  query.stack = AttentionStack::Decoder;
  query.layer = 0;
  query.head = 1;
  query.patch = 9;
  const AttentionMap expected = model->attention(input, mask, query);

  const StudioRun r =
      studio(temp_dir("attention"), "--model " + q(kModel) + " --image " + q(image) +
                                        " --view attention --patch 9 --attention-stack decoder "
                                        "--attention-layer 0 --attention-head 1");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_EQ(r.layout.at("tab"), "attention");
  const json& at = r.layout.at("attention");
  ASSERT_TRUE(at.at("ready").get<bool>()) << at.dump();
  EXPECT_EQ(at.at("stack"), "decoder");
  EXPECT_EQ(at.at("patch"), 9);
  const std::vector<float> shown = at.at("weights").get<std::vector<float>>();
  ASSERT_EQ(shown.size(), expected.weights.size());
  for (size_t i = 0; i < shown.size(); ++i)
    EXPECT_NEAR(shown[i], expected.weights[i], 1e-5) << i;
  EXPECT_NEAR(at.at("cls_weight").get<float>(), expected.cls_weight, 1e-5);
  for (const char* name : {"attention_map", "pos_embed_encoder", "pos_embed_decoder"}) {
    const Rect p = panel(r, name);
    expect_inside(r, p);
    EXPECT_GT(region_stddev(r.shot, p), 3.0) << name;
  }
  // The query patch is outlined on the map.
  EXPECT_GT(fraction_near(r.shot, panel(r, "attention_map"), kYellow, 12), 0.001);
  // Under it, its colour scale: black at 0, pale yellow at the brightest patch's weight.
  char top[32];
  std::snprintf(top, sizeof top, "%.4f", at.at("max_weight").get<float>());
  expect_colour_scale(r, "attention_scale", Colormap::Inferno, top);

  // A patch the mask removed has no encoder token: said so, nothing crashes.
  int removed = -1;
  for (size_t i = 0; i < expected.weights.size() && removed < 0; ++i)
    if (model->run(input, mask).mask[i])
      removed = static_cast<int>(i);
  const StudioRun e =
      studio(temp_dir("attention_removed"),
             "--model " + q(kModel) + " --image " + q(image) + " --view attention --patch " +
                 std::to_string(removed) + " --attention-layer 40 --attention-head 9");
  ASSERT_EQ(e.result.code, 0) << e.result.err;
  EXPECT_TRUE(contains(e.layout.at("attention").at("error").get<std::string>(), "removed"))
      << e.layout.at("attention").dump();
  EXPECT_TRUE(e.layout.at("popups").empty());
  // In place of a map, the picture to click a visible patch on, not an empty box.
  EXPECT_GT(region_stddev(e.shot, panel(e, "attention_map")), 10.0);
  // A layer and head the model does not have are said, not silently changed.
  const std::string status = e.layout.at("status");
  EXPECT_TRUE(contains(status, "no attention layer 40 (this stack's are 0 to ")) << status;
  EXPECT_TRUE(contains(status, "no head 9 (0 to ")) << status;

  // Unasked, the tab starts at the stack's last layer, as `mae attention` does.
  const StudioRun last = studio(temp_dir("attention_last"), "--model " + q(kModel) + " --image " +
                                                                q(image) + " --view attention");
  ASSERT_EQ(last.result.code, 0) << last.result.err;
  ASSERT_TRUE(last.layout.at("attention").at("ready").get<bool>());
  EXPECT_EQ(last.layout.at("attention").at("layer"), c.depth - 1);
}

// A painted mask: the custom strategy starts from the mask on screen, each
// click flips one patch, and the reconstruction follows it.
TEST(StudioGui, PaintedMasksAreReconstructed) {
  const StudioRun base = studio(temp_dir("paint_base"), "--model " + q(kModel));
  ASSERT_EQ(base.result.code, 0) << base.result.err;
  std::string expected = base.layout.at("explorer")[0].at("mask");
  ASSERT_EQ(expected.size(), 64u);
  const std::vector<int> clicks = {0, 9, 18, 27, 36};
  for (int p : clicks)
    expected[static_cast<size_t>(p)] = expected[static_cast<size_t>(p)] == '1' ? '0' : '1';
  std::string list;
  for (int p : clicks)
    list += (list.empty() ? "" : ",") + std::to_string(p);
  const StudioRun r = studio(temp_dir("paint"), "--model " + q(kModel) + " --paint " + list);
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json& item = r.layout.at("explorer")[0];
  EXPECT_EQ(item.at("strategy"), "custom");
  EXPECT_EQ(item.at("mask"), expected);
  EXPECT_EQ(item.at("removed").get<int>(), std::count(expected.begin(), expected.end(), '1'));
  // The masked panel shows the new mask: it differs from the unpainted one.
  EXPECT_GT(region_diff(r.shot, panel(r, "masked"), base.shot, panel(base, "masked")), 1.0);
}

// A mask painted for one model's patch grid gives way to random masking when
// a model with another grid opens, instead of waiting for ever.
TEST(StudioGui, APaintedMaskGivesWayToAModelWithAnotherGrid) {
  const std::string dir = temp_dir("paint_other_grid");
  const StudioRun painted = studio(
      dir, "--model " + q(kModel) + " --keys 4 --paint 3 --save-view " + q(dir + "/view.json"));
  ASSERT_EQ(painted.result.code, 0) << painted.result.err;
  ASSERT_EQ(painted.layout.at("explorer")[0].at("strategy"), "custom");
  const std::string other = std::string(MAE_SOURCE_DIR) + "/assets/models/default.safetensors";
  const StudioRun r = studio(temp_dir("paint_other_grid_2"),
                             "--state " + q(dir + "/view.json") + " --drop " + q(other));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json& item = r.layout.at("explorer")[0];
  EXPECT_EQ(item.at("strategy"), "random");
  EXPECT_EQ(item.at("patches").get<int>(), 196);
}

// A painted mask on the Compare tab: it has no ratio to vary, and fits only
// its own model's patch grid. The columns use random masks there instead of
// an error popup ("the custom mask has 0 patches").
TEST(StudioGui, APaintedMaskOnTheCompareTab) {
  // A view painted on the Explorer, reopened on the Compare tab.
  const std::string dir = temp_dir("paint_compare");
  const StudioRun painted =
      studio(dir, "--model " + q(kModel) + " --paint 3 --save-view " + q(dir + "/view.json"));
  ASSERT_EQ(painted.result.code, 0) << painted.result.err;
  json view = json::parse(test::slurp(dir + "/view.json"));
  ASSERT_EQ(view.at("mask").at("strategy"), "custom");
  view["tab"] = "compare";
  const auto reopened = [&](const char* mode, const std::string& more) {
    view["compare_mode"] = mode;
    const std::string file = dir + "/" + mode + ".json";
    std::ofstream(file) << view.dump();
    return studio(temp_dir(std::string("paint_compare_") + mode), "--state " + q(file) + more);
  };
  const StudioRun ratios = reopened("ratios", "");
  ASSERT_EQ(ratios.result.code, 0) << ratios.result.err;
  EXPECT_TRUE(ratios.layout.at("popups").empty()) << ratios.layout.at("popups").dump();
  ASSERT_EQ(ratios.layout.at("compare").size(), 3u);
  for (const json& item : ratios.layout.at("compare"))
    EXPECT_EQ(item.at("strategy"), "random") << item.dump();
  // Beside a model of another patch grid (8 x 8 here, 14 x 14 there).
  const std::string other = std::string(MAE_SOURCE_DIR) + "/assets/models/default.safetensors";
  const StudioRun models = reopened("models", " --compare-model " + q(other));
  ASSERT_EQ(models.result.code, 0) << models.result.err;
  EXPECT_TRUE(models.layout.at("popups").empty()) << models.layout.at("popups").dump();
  const json& items = models.layout.at("compare");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("strategy"), "custom");
  EXPECT_EQ(items[1].at("strategy"), "random");
  EXPECT_EQ(items[1].at("patches").get<int>(), 196);
}

// The Fashion-MNIST model on the start-up photo showed a class nothing it
// could recognise: it opens on a Fashion-MNIST picture it never trained on.
// A picture the user chose stays.
TEST(StudioGui, TheFashionMnistModelOpensOnAFashionMnistPicture) {
  const std::string fmnist = std::string(MAE_SOURCE_DIR) + "/assets/models/fmnist.safetensors";
  const StudioRun r = studio(temp_dir("fmnist_picture"), "--model " + q(fmnist));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(contains(r.layout.at("image").get<std::string>(), "fashion_mnist_ankle_boot.png"))
      << r.layout.at("image");
  EXPECT_TRUE(contains(r.layout.at("status").get<std::string>(), "Fashion-MNIST picture"));
  ASSERT_FALSE(r.layout.at("explorer").empty());
  EXPECT_EQ(r.layout.at("explorer")[0].at("patches").get<int>(), 49);
  const std::string coffee = std::string(MAE_SOURCE_DIR) + "/assets/images/coffee.png";
  const StudioRun chosen =
      studio(temp_dir("fmnist_picture_chosen"), "--model " + q(fmnist) + " --image " + q(coffee));
  ASSERT_EQ(chosen.result.code, 0) << chosen.result.err;
  EXPECT_TRUE(contains(chosen.layout.at("image").get<std::string>(), "coffee.png"));
}

// A saved view reopens the same figure, byte for byte, in a new process.
TEST(StudioGui, SavedViewsReopenTheSameFigure) {
  const std::string dir = temp_dir("view");
  fs::copy(std::string(MAE_TEST_DATA) + "/../../assets/images/chelsea.png", dir + "/cat.png");
  const StudioRun first =
      studio(dir, "--model " + q(kModel) + " --image " + q(dir + "/cat.png") +
                      " --seed 7 --paint 3,4,5 --save-view " + q(dir + "/view.json") +
                      " --export " + q(dir + "/first.png"));
  ASSERT_EQ(first.result.code, 0) << first.result.err;
  const json view = json::parse(test::slurp(dir + "/view.json"));
  EXPECT_EQ(view.at("image").at("path"), "cat.png"); // beside the view: relative
  EXPECT_EQ(view.at("mask").at("strategy"), "custom");
  EXPECT_EQ(view.at("model").at("sha256").get<std::string>().size(), 64u);

  const std::string again = temp_dir("view_again");
  const StudioRun second =
      studio(again, "--state " + q(dir + "/view.json") + " --export " + q(again + "/second.png"));
  ASSERT_EQ(second.result.code, 0) << second.result.err;
  EXPECT_TRUE(second.layout.at("popups").empty()) << second.layout.at("popups").dump();
  EXPECT_EQ(second.layout.at("explorer")[0].at("mask"), first.layout.at("explorer")[0].at("mask"));
  const std::string a = test::slurp(dir + "/first.png"), b = test::slurp(again + "/second.png");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "the reopened view's figure differs";

  // The picture changed since: the view still opens, and says so.
  cv::Mat other(60, 80, CV_8UC3, cv::Scalar(10, 200, 30));
  ASSERT_TRUE(cv::imwrite(dir + "/cat.png", other));
  const StudioRun changed = studio(temp_dir("view_changed"), "--state " + q(dir + "/view.json"));
  ASSERT_EQ(changed.result.code, 0) << changed.result.err;
  const json* p = popup(changed, "error");
  ASSERT_NE(p, nullptr) << changed.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "cat.png")) << p->dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "SHA-256")) << p->dump();

  // A broken view names the field, and the app starts as usual.
  json bad = view;
  bad["mask"]["ratio"] = 5;
  bad["mask"]["strategy"] = "random";
  std::ofstream(dir + "/bad.json") << bad.dump();
  const StudioRun broken = studio(temp_dir("view_bad"), "--state " + q(dir + "/bad.json"));
  ASSERT_EQ(broken.result.code, 0) << broken.result.err;
  const json* e = popup(broken, "error");
  ASSERT_NE(e, nullptr) << broken.layout.at("popups").dump();
  EXPECT_TRUE(contains(e->at("text").get<std::string>(), "mask.ratio")) << e->dump();
  EXPECT_FALSE(broken.layout.at("model").is_null());
}

// Present mode on the shipped lesson: the slide's title and text over its
// view, the status bar hidden as the slide asks.
// On a 1280 x 720 projector: the Compare slide drops the inpainting row, so
// its pictures are large and every caption keeps its number.
// A lesson opened in the window (before F5): a bar names the slide whose
// view is shown and steps through them; before, the view changed unexplained.
TEST(StudioGui, ALessonInTheWindowNamesItsSlide) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  const StudioRun r = studio(temp_dir("lesson_window"), "--lesson " + q(lesson) + " --slide 2");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_FALSE(r.layout.at("present").at("on").get<bool>());
  EXPECT_EQ(r.layout.at("present").at("slide"), 1);
  const Rect bar = panel(r, "lesson_bar");
  expect_inside(r, bar);
  EXPECT_GT(bar.w, 400);
  EXPECT_GT(region_stddev(r.shot, bar), 3.0); // drawn, not blank
  EXPECT_FALSE(r.layout.at("panels").contains("slide"));
}

TEST(StudioGui, PresentModeShowsTheLessonsSlides) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  const StudioRun r =
      studio(temp_dir("present"), "--lesson " + q(lesson) + " --slide 6 --present --size 1280x720");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json& p = r.layout.at("present");
  EXPECT_TRUE(p.at("on").get<bool>());
  EXPECT_EQ(p.at("slide"), 5);
  EXPECT_EQ(p.at("slides"), 8);
  EXPECT_EQ(p.at("title"), "Why such a high ratio?");
  EXPECT_EQ(r.layout.at("tab"), "compare");
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  const Rect slide = panel(r, "slide");
  expect_inside(r, slide);
  EXPECT_GT(region_stddev(r.shot, slide), 3.0);
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    const Rect masked = panel(r, "compare_masked_" + n);
    expect_inside(r, masked);
    EXPECT_GE(masked.w, 130); // 80 with the inpainting row
    expect_inside(r, panel(r, "compare_reconstruction_" + n));
    EXPECT_FALSE(r.layout.at("panels").contains("compare_telea_" + n));
    EXPECT_EQ(caption(r, "compare_masked_" + n).find("..."), std::string::npos)
        << caption(r, "compare_masked_" + n);
    EXPECT_TRUE(
        std::regex_search(caption(r, "compare_reconstruction_" + n), std::regex(R"(MSE 0\.\d{4})")))
        << caption(r, "compare_reconstruction_" + n);
  }
}

// The keys a class sees used: a clicker's Right / PageDown and Left step
// through the slides; in the Explorer the arrows move the ratio (Shift: by
// 0.01), 3 picks grid masking, C opens Compare.
TEST(StudioGui, KeyboardStepsSlidesAndDrivesTheExplorer) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  const StudioRun slides = studio(
      temp_dir("keys_present"),
      "--lesson " + q(lesson) + " --present --size 1024x768 --keys Right,Right,PageDown,Left");
  ASSERT_EQ(slides.result.code, 0) << slides.result.err;
  EXPECT_EQ(slides.layout.at("present").at("slide"), 2);
  EXPECT_TRUE(slides.layout.at("present").at("on").get<bool>());

  // The display keys, then the zoom keys on Compare (its own zoom; 0 resets both).
  const std::string dir = temp_dir("keys_explorer");
  const StudioRun explorer = studio(
      dir, "--model " + q(kModel) + " --ratio 0.75 --view single --save-view " +
               q(dir + "/view.json") + " --keys Right,Shift+Right,3,g,t,i,Plus,c,Plus,Plus,Minus");
  ASSERT_EQ(explorer.result.code, 0) << explorer.result.err;
  EXPECT_EQ(explorer.layout.at("tab"), "compare");
  const json& shown = explorer.layout.at("explorer").at(0);
  EXPECT_NEAR(shown.at("ratio").get<double>(), 0.81, 1e-9);
  EXPECT_EQ(shown.at("strategy"), "grid");
  EXPECT_EQ(explorer.layout.at("compare").size(), 3u);
  const json view = json::parse(test::slurp(dir + "/view.json"));
  for (const char* flag : {"grid", "tint", "integer_zoom"})
    EXPECT_TRUE(view.at("display").at(flag).get<bool>()) << flag;
  EXPECT_NEAR(view.at("explorer_zoom").at("zoom").get<double>(), 1.25, 1e-6);
  EXPECT_NEAR(view.at("compare_zoom").at("zoom").get<double>(), 1.25, 1e-6); // x1.25 x1.25 x0.8
  const std::string fresh = temp_dir("keys_reset"); // settings.json kept the toggles in `dir`
  const StudioRun reset = studio(fresh, "--model " + q(kModel) + " --save-view " +
                                            q(fresh + "/view.json") + " --keys Plus,c,Plus,0,g");
  ASSERT_EQ(reset.result.code, 0) << reset.result.err;
  const json after = json::parse(test::slurp(fresh + "/view.json"));
  EXPECT_EQ(after.at("explorer_zoom").at("zoom").get<double>(), 1.0);
  EXPECT_EQ(after.at("compare_zoom").at("zoom").get<double>(), 1.0);
  EXPECT_TRUE(after.at("display").at("grid").get<bool>());
  // Every tab has its key: Training and Experiments had none.
  for (const auto& [key, tab] :
       std::vector<std::pair<std::string, std::string>>{{"p", "training"}, {"x", "experiments"}}) {
    const StudioRun r = studio(temp_dir("keys_tab"), "--model " + q(kModel) + " --keys " + key);
    ASSERT_EQ(r.result.code, 0) << r.result.err;
    EXPECT_EQ(r.layout.at("tab"), tab) << key;
  }

  const StudioRun bad = studio(temp_dir("keys_bad"), "--model " + q(kModel) + " --keys Hyper");
  EXPECT_NE(bad.result.code, 0);
  EXPECT_TRUE(contains(bad.result.err, "--keys: unknown key 'Hyper'")) << bad.result.err;
}

// A clicker's next on the last slide keeps what the teacher changed there
// (it showed the slide again); Esc on a stage opened large goes back to the
// stages before it leaves Present mode; a slide past the end is said.
TEST(StudioGui, PresentModeKeysKeepTheTeachersChanges) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  const StudioRun last = studio(temp_dir("present_last"),
                                "--lesson " + q(lesson) + " --slide 8 --keys Right,Right,F5,Right");
  ASSERT_EQ(last.result.code, 0) << last.result.err;
  const json& p = last.layout.at("present");
  EXPECT_TRUE(p.at("on").get<bool>());
  EXPECT_EQ(p.at("slide"), 7);
  EXPECT_NEAR(p.at("ratio").get<double>(), 0.85, 1e-9);

  const StudioRun stage = studio(temp_dir("present_esc"),
                                 "--lesson " + q(lesson) + " --slide 3 --present --keys Escape");
  ASSERT_EQ(stage.result.code, 0) << stage.result.err;
  EXPECT_TRUE(stage.layout.at("present").at("on").get<bool>());
  EXPECT_EQ(stage.layout.at("how").at("stage"), -1);

  const StudioRun past = studio(temp_dir("present_past"), "--lesson " + q(lesson) + " --slide 99");
  ASSERT_EQ(past.result.code, 0) << past.result.err;
  EXPECT_EQ(past.layout.at("present").at("slide"), 7);
  const json* e = popup(past, "error");
  ASSERT_NE(e, nullptr) << past.layout.at("popups").dump();
  EXPECT_TRUE(contains(e->at("text").get<std::string>(), "has 8 slides")) << e->dump();
}

// The lesson's How-it-works and Attention slides on a 1280 x 720 projector:
// nothing cut in Present mode's large text, in the sidebar or the tab.
TEST(StudioGui, PresentModeCutsNothingOnASmallProjector) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  const StudioRun how = studio(temp_dir("present_how"),
                               "--lesson " + q(lesson) + " --slide 3 --present --size 1280x720");
  ASSERT_EQ(how.result.code, 0) << how.result.err;
  EXPECT_EQ(how.layout.at("tab"), "how");
  EXPECT_EQ(how.layout.at("sidebar_overflow_x").get<float>(), 0.0f); // was 24: "custom" cut
  expect_inside(how, panel(how, "how_encoder_input_card"));
  EXPECT_EQ(caption(how, "how_encoder_input").find("..."), std::string::npos)
      << caption(how, "how_encoder_input");
  EXPECT_TRUE(contains(caption(how, "how_encoder_input"), "x less"))
      << caption(how, "how_encoder_input");

  const StudioRun attention =
      studio(temp_dir("present_attention"),
             "--lesson " + q(lesson) + " --slide 8 --present --size 1280x720");
  ASSERT_EQ(attention.result.code, 0) << attention.result.err;
  EXPECT_EQ(attention.layout.at("tab"), "attention");
  EXPECT_EQ(attention.layout.at("sidebar_overflow_x").get<float>(), 0.0f);
  for (const char* name : {"attention_map", "pos_embed_encoder", "pos_embed_decoder"}) {
    const Rect p = panel(attention, name);
    expect_inside(attention, p);
    EXPECT_GE(p.w, 200) << name; // the similarity maps were 135 px, stacked
    EXPECT_EQ(caption(attention, name).find("..."), std::string::npos)
        << name << ": " << caption(attention, name);
  }
  EXPECT_TRUE(std::regex_search(caption(attention, "attention_map"),
                                std::regex(R"(query: patch 94 .*\ndecoder layer 2)")))
      << caption(attention, "attention_map");
  EXPECT_TRUE(contains(caption(attention, "pos_embed_decoder"), "similarity to patch 94"))
      << caption(attention, "pos_embed_decoder");
}

// An older 1024 x 768 projector: on every slide of the shipped lesson the
// title stays clear of the slide buttons, no caption is cut and the sidebar
// has no horizontal scroll (rows of buttons continue on a second line).
TEST(StudioGui, PresentModeFitsEverySlideOnAnXgaProjector) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  for (int n = 1; n <= 8; ++n) {
    const std::string slide = "slide " + std::to_string(n);
    const StudioRun r = studio(temp_dir("present_xga_" + std::to_string(n)),
                               "--lesson " + q(lesson) + " --slide " + std::to_string(n) +
                                   " --present --size 1024x768");
    ASSERT_EQ(r.result.code, 0) << slide << ": " << r.result.err;
    EXPECT_TRUE(r.layout.at("popups").empty()) << slide;
    EXPECT_EQ(r.layout.at("sidebar_overflow_x").get<float>(), 0.0f) << slide;
    const Rect title = panel(r, "slide_title"), buttons = panel(r, "slide_buttons");
    EXPECT_LE(title.x + title.w, buttons.x) << slide; // "... the hidden patches" ran under them
    for (const auto& [name, p] : r.layout.at("panels").items()) {
      expect_inside(r, panel(r, name));
      for (const auto& line : p.value("caption", json::array()))
        EXPECT_EQ(line.get<std::string>().find("..."), std::string::npos)
            << slide << ", " << name << ": " << line;
    }
  }
}

// The second shipped lesson walks through the paper's ablations: each slide
// opens its sweep's shipped results on the Experiments tab, every run done,
// the plot drawn; on an XGA projector nothing pops up.
TEST(StudioGui, TheAblationLessonOpensEachSlidesSweep) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/testing_the_papers_claims.json";
  const std::vector<std::pair<int, std::string>> slides{
      {1, "fig5_mask_ratio"}, {3, "table1f_mask_sampling"}, {8, "fig7_schedule"}};
  for (const auto& [n, sweep] : slides) {
    const std::string slide = "slide " + std::to_string(n);
    const StudioRun r = studio(temp_dir("present_ablation_" + std::to_string(n)),
                               "--lesson " + q(lesson) + " --slide " + std::to_string(n) +
                                   " --present --size 1024x768");
    ASSERT_EQ(r.result.code, 0) << slide << ": " << r.result.err;
    EXPECT_TRUE(r.layout.at("popups").empty()) << slide << r.layout.at("popups").dump();
    EXPECT_EQ(r.layout.at("tab"), "experiments") << slide;
    const json& ex = r.layout.at("experiments");
    EXPECT_EQ(ex.at("sweep"), sweep) << slide;
    ASSERT_GE(ex.at("rows").size(), 2u) << slide;
    for (const json& row : ex.at("rows"))
      EXPECT_TRUE(row.at("done").get<bool>()) << slide << ": " << row.dump();
    const Rect plot = panel(r, "sweep_plot");
    expect_inside(r, plot);
    EXPECT_GE(plot.w, 400) << slide;
    EXPECT_GT(region_stddev(r.shot, plot), 3.0) << slide;
  }
}

// The dialogs a teacher opens during a lesson fit the same projector: each
// inside the window (Get models was wider than the screen), the file
// browser wide enough for its folder's name.
TEST(StudioGui, DialogsFitAnXgaProjectorInPresentMode) {
  const std::string lesson =
      std::string(MAE_TEST_DATA) + "/../../assets/lessons/mae_in_eight_slides.json";
  for (const std::string dialog : {"help", "details", "open", "get-models"}) {
    const StudioRun r = studio(temp_dir("dialog_" + dialog),
                               "--lesson " + q(lesson) + " --slide 2 --present --size 1024x768 " +
                                   "--dialog " + dialog);
    ASSERT_EQ(r.result.code, 0) << dialog << ": " << r.result.err;
    const json& popups = r.layout.at("popups");
    ASSERT_EQ(popups.size(), 1u) << dialog << ": " << popups.dump();
    const json& rect = popups[0].at("rect");
    const Rect p{rect.at("x").get<int>(), rect.at("y").get<int>(), rect.at("w").get<int>(),
                 rect.at("h").get<int>()};
    expect_inside(r, p);
    if (dialog == "open")
      EXPECT_GE(p.w, 700) << "the file browser: " << p.w << " px"; // 563 at 55 % of the window
  }
}

// Escape closes Help as it closes every other dialog (it stayed open), and
// in Present mode closes Help before it leaves the slides.
TEST(StudioGui, EscapeClosesHelpFirst) {
  const StudioRun open = studio(temp_dir("help_open"), "--model " + q(kModel) + " --keys F1");
  ASSERT_EQ(open.result.code, 0) << open.result.err;
  ASSERT_EQ(open.layout.at("popups").size(), 1u) << open.layout.at("popups").dump();
  const StudioRun closed =
      studio(temp_dir("help_closed"), "--model " + q(kModel) + " --keys F1,Escape");
  ASSERT_EQ(closed.result.code, 0) << closed.result.err;
  EXPECT_TRUE(closed.layout.at("popups").empty()) << closed.layout.at("popups").dump();
}

// A slide with another ratio slides the ratio there: once it has arrived, the
// figure shown is the one at the slide's ratio.
TEST(StudioGui, PresentModeSlidesTheRatioToTheSlides) {
  const std::string dir = temp_dir("present_ratio");
  const json lesson = {
      {"format", "mae-studio lesson"},
      {"title", "ratios"},
      {"model", kModel},
      {"image", std::string(MAE_TEST_DATA) + "/../../assets/images/chelsea.png"},
      {"slides",
       {{{"title", "low"}, {"text", "a quarter"}, {"view", {{"mask", {{"ratio", 0.25}}}}}},
        {{"title", "high"}, {"text", "nine in ten"}, {"view", {{"mask", {{"ratio", 0.9}}}}}}}}};
  std::ofstream(dir + "/lesson.json") << lesson.dump();
  const StudioRun r = studio(dir, "--lesson " + q(dir + "/lesson.json") + " --slide 2 --present");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_EQ(r.layout.at("present").at("title"), "high");
  EXPECT_NEAR(r.layout.at("present").at("ratio").get<double>(), 0.9, 1e-6);
  const json& shown = r.layout.at("explorer").at(0);
  EXPECT_NEAR(shown.at("ratio").get<double>(), 0.9, 1e-6);
  EXPECT_EQ(shown.at("removed"), 58); // 90 % of the 8 x 8 patches
}

// File > Export ratio sweep video: one frame per ratio, 0.10 to 0.95, on the worker.
TEST(StudioGui, ExportsTheRatioSweepAsAVideo) {
  const std::string dir = temp_dir("sweep_video");
  const StudioRun r =
      studio(dir, "--model " + q(kModel) + " --export-sweep " + q(dir + "/sweep.avi"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_TRUE(contains(r.layout.at("status").get<std::string>(), "18 frames"))
      << r.layout.at("status");
  cv::VideoCapture video(dir + "/sweep.avi");
  ASSERT_TRUE(video.isOpened());
  int frames = 0;
  for (cv::Mat f; video.read(f);)
    ++frames;
  EXPECT_EQ(frames, 18);
  // A painted mask has no ratio to sweep: said so, nothing written.
  const StudioRun painted =
      studio(temp_dir("sweep_painted"),
             "--model " + q(kModel) + " --paint 1 --export-sweep " + q(dir + "/painted.avi"));
  ASSERT_EQ(painted.result.code, 0) << painted.result.err;
  ASSERT_NE(popup(painted, "error"), nullptr);
  EXPECT_FALSE(fs::exists(dir + "/painted.avi"));
}

TEST(StudioGui, ShaderErrorsNameTheFile) {
  const std::string dir = temp_dir("shader_error");
  fs::create_directories(dir + "/shaders");
  for (const char* f : {"image.vert", "colormap.glsl"})
    fs::copy_file(std::string(MAE_TEST_DATA) + "/../../shaders/" + f, dir + "/shaders/" + f);
  std::ofstream(dir + "/shaders/image.frag")
      << "#version 330 core\nout vec4 c;\nvoid main() { c = nonsense; }\n";
  const StudioRun r =
      studio(dir, "--model " + q(kModel), "MAE_STUDIO_SHADERS=" + q(dir + "/shaders"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  const json* p = popup(r, "error");
  ASSERT_NE(p, nullptr);
  const std::string text = p->at("text");
  EXPECT_TRUE(contains(text, "image.frag")) << text;
  EXPECT_TRUE(contains(text, "nonsense")) << text;
  EXPECT_TRUE(contains(r.result.err, "image.frag")) << r.result.err;
}

TEST(StudioGui, BenchLatencyReportsMedians) {
  const std::string dir = temp_dir("bench");
  const StudioRun r = studio(dir, "--model " + q(kModel) + " --bench-latency 4");
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(contains(r.result.out, "request -> display: median")) << r.result.out;
  EXPECT_TRUE(contains(r.result.out, "frame time while inference runs")) << r.result.out;
}

// The Training tab, driven by --train: a quick Fashion-MNIST config (small
// batches, a small k-NN probe every few steps) so that a dozen steps give
// every curve points on 2 CPU cores.
const std::string kTrainConfig = std::string(MAE_TEST_DATA) + "/studio/fmnist_gui.json";
// The run trains with the inference thread count: one, leaving a core to the
// UI and the software renderer (two would spin against them at every barrier).
const std::string kOneThread = "MAE_THREADS=1";

bool has_fashion_mnist() {
  return fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

std::vector<json> metrics_lines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      out.push_back(json::parse(line));
  return out;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');)
      cells.push_back(cell);
    if (!line.empty() && line.back() == ',')
      cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

// A run that another process trains (here: files written by hand, as rank 0
// of a torchrun job would) followed read-only on the Training tab.
TEST(StudioTraining, FollowsARunAnotherProcessTrains) {
  const std::string dir = temp_dir("watch");
  fs::create_directories(dir + "/run");
  fs::copy_file(kTrainConfig, dir + "/run/config.json");
  {
    std::ofstream m(dir + "/run/metrics.jsonl");
    for (int step = 10; step <= 30; step += 10)
      m << R"({"step":)" << step << R"(,"epoch":0.1,"loss":)" << 1.0 / step
        << R"(,"lr":0.001,"img_per_s":100,"heldout_mse":)" << 0.05 - 0.001 * step << "}\n";
  }
  // The previews that run wrote at its last probe.
  const Image grey(28, 28, 1, 128), white(28, 28, 1, 255);
  write_preview_file(dir + "/run/" + kPreviewFileName, 30,
                     {{grey, white, white}, {grey, grey, white}});
  const StudioRun r =
      studio(dir, "--watch-run " + q(dir + "/run") + " --train-csv " + q(dir + "/curves.csv"));
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(contains(r.result.out, "following: running, step 30")) << r.result.out;
  EXPECT_EQ(r.layout.at("training").at("previews"), 2) << r.layout.at("training").dump();
  EXPECT_EQ(r.layout.at("training").at("preview_step"), 30);
  EXPECT_EQ(r.layout.at("tab"), "training");
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_EQ(r.layout.at("training").at("step"), 30) << r.layout.at("training").dump();
  EXPECT_EQ(csv_rows(dir + "/curves.csv").size(), 4u); // the header and three steps
  EXPECT_GT(region_stddev(r.shot, panel(r, "plot_loss")), 4.0) << "the loss plot looks blank";
  // No k-NN probe on that run: the fourth plot shows its held-out reconstruction error.
  EXPECT_GT(region_stddev(r.shot, panel(r, "plot_heldout_mse")), 4.0) << "held-out MSE looks blank";

  // A long run's 100,000 points: drawn (ImGui's polyline filled blocks from
  // about 32,000 points on, and crashed at 350,000).
  fs::create_directories(dir + "/long");
  fs::copy_file(kTrainConfig, dir + "/long/config.json");
  {
    std::ofstream m(dir + "/long/metrics.jsonl");
    for (int step = 1; step <= 100000; ++step)
      m << R"({"step":)" << step << R"(,"loss":)" << 1.0 / (1 + step % 977) << R"(,"lr":0.001})"
        << "\n";
  }
  const StudioRun long_run = studio(dir, "--watch-run " + q(dir + "/long"));
  ASSERT_EQ(long_run.result.code, 0) << long_run.result.err;
  EXPECT_EQ(long_run.layout.at("training").at("step"), 100000);
  EXPECT_TRUE(contains(long_run.result.out, "frame time while reading the run"))
      << long_run.result.out;
  EXPECT_GT(region_stddev(long_run.shot, panel(long_run, "plot_loss")), 4.0);

  // Not a run folder: said in a popup, and nothing followed.
  const StudioRun bad = studio(dir, "--watch-run " + q(dir + "/nowhere"));
  ASSERT_EQ(bad.result.code, 0) << bad.result.err;
  ASSERT_EQ(bad.layout.at("popups").size(), 1u);
  EXPECT_TRUE(contains(bad.layout.at("popups")[0].dump(), "holds no training run"))
      << bad.layout.at("popups").dump();
}

TEST(StudioTraining, TrainingTabShowsTheCurvesAndTheReconstructions) {
  if (!has_fashion_mnist())
    GTEST_SKIP() << "needs the Debian package dataset-fashion-mnist";
  const std::string dir = temp_dir("training");
  const StudioRun r = studio(dir,
                             "--train " + q(kTrainConfig) + " --train-steps 12 --train-out " +
                                 q(dir + "/run") + " --train-csv " + q(dir + "/curves.csv"),
                             kOneThread);
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(contains(r.result.out, "frame time while training: median")) << r.result.out;
  EXPECT_EQ(r.layout.at("tab"), "training");
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  const json& t = r.layout.at("training");
  EXPECT_EQ(t.at("state"), "finished") << t.dump();
  EXPECT_EQ(t.at("step"), 12);
  EXPECT_EQ(t.at("out_dir"), dir + "/run");
  EXPECT_GT(t.at("log").size(), 3u);

  // Four plots with something drawn in them; the loss curve in its colour.
  for (const char* name : {"plot_loss", "plot_lr", "plot_images_per_s", "plot_knn_accuracy"}) {
    const Rect p = panel(r, name);
    expect_inside(r, p);
    EXPECT_GE(p.w, 150) << name;
    EXPECT_GE(p.h, 100) << name;
    EXPECT_GT(region_stddev(r.shot, p), 4.0) << name << " looks blank";
  }
  const int loss_colour[3] = {255, 150, 70};
  EXPECT_GT(fraction_near(r.shot, panel(r, "plot_loss"), loss_colour, 30), 0.002);

  // The held-out images: masked | reconstruction + visible | original, each different.
  ASSERT_EQ(t.at("previews"), 4);
  EXPECT_EQ(t.at("preview_step"), 12);
  for (int i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    const Rect m = panel(r, "train_masked_" + n), rec = panel(r, "train_reconstruction_" + n),
               o = panel(r, "train_original_" + n);
    for (const Rect& p : {m, rec, o}) {
      expect_inside(r, p);
      EXPECT_GE(p.w, 100);
      EXPECT_EQ(p.w, p.h);
      EXPECT_GT(region_stddev(r.shot, p), 5.0) << "preview " << n << " looks blank";
    }
    EXPECT_GT(region_diff(r.shot, m, r.shot, o), 5.0);
    EXPECT_GT(region_diff(r.shot, rec, r.shot, o), 2.0);
  }

  // The run folder, as `mae train` writes it.
  EXPECT_TRUE(fs::exists(dir + "/run/model.safetensors"));
  EXPECT_TRUE(fs::exists(dir + "/run/checkpoint.safetensors"));
  const std::vector<json> metrics = metrics_lines(dir + "/run/metrics.jsonl");
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.back().at("step"), 12);

  // The CSV holds the same curves.
  const auto rows = csv_rows(dir + "/curves.csv");
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "loss", "lr", "img_per_s", "knn_accuracy",
                                               "heldout_mse"}));
  size_t losses = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 6u) << i;
    losses += !rows[i][1].empty();
  }
  EXPECT_EQ(losses, t.at("points").at("loss").get<size_t>());
  EXPECT_EQ(rows.back()[0], "12");
  EXPECT_NEAR(std::stod(rows.back()[1]), metrics.back().at("loss").get<double>(), 1e-6);
}

TEST(StudioTraining, OpenInExplorerReconstructsWithTheResumedRunsWeights) {
  if (!has_fashion_mnist())
    GTEST_SKIP() << "needs the Debian package dataset-fashion-mnist";
  const std::string dir = temp_dir("training_explore");
  auto first = test::run_binary(
      MAE_CLI_PATH,
      "train --config " + q(kTrainConfig) + " --steps 4 --quiet --out " + q(dir + "/run"), dir);
  ASSERT_EQ(first.code, 0) << first.err;
  const StudioRun r = studio(
      dir, "--train-resume " + q(dir + "/run") + " --train-steps 8 --train-explore", kOneThread);
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_TRUE(r.layout.at("popups").empty()) << r.layout.at("popups").dump();
  EXPECT_EQ(r.layout.at("training").at("step"), 8);
  EXPECT_EQ(metrics_lines(dir + "/run/metrics.jsonl").back().at("step"), 8);
  // The Explorer shows the run's weights: a 28 px, 1-channel model with 4 px patches.
  EXPECT_EQ(r.layout.at("tab"), "explorer");
  EXPECT_EQ(r.layout.at("model"), dir + "/run/explorer_model.safetensors");
  ASSERT_EQ(r.layout.at("explorer").size(), 1u);
  EXPECT_EQ(r.layout.at("explorer")[0].at("grid"), json::array({7, 7}));
  for (const char* name : {"masked", "reconstruction_visible", "original"})
    EXPECT_GT(region_stddev(r.shot, panel(r, name)), 3.0) << name;
}

TEST(StudioTraining, ClosingMidRunStopsTheRunWithACheckpoint) {
  if (!has_fashion_mnist())
    GTEST_SKIP() << "needs the Debian package dataset-fashion-mnist";
  const std::string dir = temp_dir("training_close");
  const StudioRun r =
      studio(dir,
             "--train " + q(kTrainConfig) + " --train-steps 5000 --train-until 6 --train-out " +
                 q(dir + "/run"),
             kOneThread);
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  // Shown going, then closed: the run stopped after a step or so, with its checkpoint.
  EXPECT_EQ(r.layout.at("training").at("state"), "running");
  EXPECT_TRUE(contains(r.result.out, "closed mid-run: finished at step")) << r.result.out;
  const std::vector<json> metrics = metrics_lines(dir + "/run/metrics.jsonl");
  ASSERT_FALSE(metrics.empty());
  EXPECT_GE(metrics.back().at("step").get<int>(), 6);
  EXPECT_LT(metrics.back().at("step").get<int>(), 100);
  EXPECT_TRUE(fs::exists(dir + "/run/checkpoint.safetensors"));
}

// A run folder whose saved state was tampered with: the Training tab says
// which field is wrong, and nothing crashes.
TEST(StudioTraining, TamperedResumeStateShowsTheField) {
  const std::string dir = temp_dir("tampered_resume");
  std::ofstream(dir + "/tiny.json") << R"({"name": "tiny", "model": {"img_size": 16,
    "patch_size": 4, "in_chans": 3, "embed_dim": 32, "depth": 1, "num_heads": 2,
    "decoder_embed_dim": 16, "decoder_depth": 1, "decoder_num_heads": 2, "mlp_ratio": 2.0},
    "data": {"type": "synthetic", "synthetic_count": 16, "synthetic_size": 20},
    "batch_size": 8, "total_steps": 2, "num_workers": 0})";
  auto t = test::run_binary(MAE_CLI_PATH,
                            "train --config " + q(dir + "/tiny.json") + " --out " +
                                q(dir + "/run") + " --threads 1 --quiet",
                            dir);
  ASSERT_EQ(t.code, 0) << t.err;
  const std::string ckpt = dir + "/run/checkpoint.safetensors";
  rewrite_safetensors(
      ckpt, ckpt + ".new",
      [](auto& meta, const std::string&, const TensorView&, auto&) { meta["step"] = "-5"; });
  fs::rename(ckpt + ".new", ckpt);
  const StudioRun r =
      studio(dir, "--train-resume " + q(dir + "/run") + " --train-steps 4", kOneThread);
  ASSERT_EQ(r.result.code, 0) << r.result.err;
  EXPECT_EQ(r.layout.at("training").at("state"), "failed");
  const json* p = popup(r, "error");
  ASSERT_NE(p, nullptr) << r.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "'step'")) << p->dump();
}

TEST(StudioTraining, ConfigAndDataErrorsNameTheFile) {
  const std::string dir = temp_dir("training_errors");
  std::string text = test::slurp(kTrainConfig);
  text.replace(text.find("\"batch_size\": 32"), 16, "\"batch_size\": 0");
  std::ofstream(dir + "/bad.json") << text;
  const StudioRun bad =
      studio(dir, "--train " + q(dir + "/bad.json") + " --train-steps 3", kOneThread);
  ASSERT_EQ(bad.result.code, 0) << bad.result.err;
  const json* p = popup(bad, "error");
  ASSERT_NE(p, nullptr) << bad.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "bad.json")) << p->dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "batch_size")) << p->dump();

  // Data that is not there: the run fails, and says where it looked.
  std::string folder = test::slurp(kTrainConfig);
  folder.replace(folder.find("{\"type\": \"fmnist\"}"), 18,
                 "{\"type\": \"folder\", \"path\": \"" + dir + "/no_pictures\"}");
  std::ofstream(dir + "/folder.json") << folder;
  const std::string out = temp_dir("training_errors_data");
  const StudioRun failed =
      studio(out, "--train " + q(dir + "/folder.json") + " --train-steps 3", kOneThread);
  ASSERT_EQ(failed.result.code, 0) << failed.result.err;
  EXPECT_EQ(failed.layout.at("training").at("state"), "failed");
  const json* f = popup(failed, "error");
  ASSERT_NE(f, nullptr) << failed.layout.at("popups").dump();
  EXPECT_EQ(f->at("title"), "Training failed");
  EXPECT_TRUE(contains(f->at("text").get<std::string>(), "no_pictures")) << f->dump();
}

} // namespace
} // namespace mae

namespace mae {
namespace {

// High-DPI: at --ui-scale 2 in a window twice as large (a 200 % laptop), every
// panel lands at twice its place and size at scale 1 (fonts and spacing scaled
// together), and no sidebar line is cut off at either scale.
TEST(StudioGui, ScalesTextAndLayoutWithTheUiScale) {
  for (const char* view : {"single", "how"}) {
    const std::string base = std::string("dpi_") + view;
    const StudioRun one = studio(temp_dir(base + "_1"), "--model " + q(kModel) + " --view " + view +
                                                            " --ui-scale 1 --size 1280x800");
    const StudioRun two = studio(temp_dir(base + "_2"), "--model " + q(kModel) + " --view " + view +
                                                            " --ui-scale 2 --size 2560x1600");
    ASSERT_EQ(one.result.code, 0) << one.result.err;
    ASSERT_EQ(two.result.code, 0) << two.result.err;
    EXPECT_EQ(one.layout.at("ui_scale"), 1.0);
    EXPECT_EQ(two.layout.at("ui_scale"), 2.0);
    EXPECT_EQ(one.layout.at("sidebar_overflow_x"), 0.0) << view;
    EXPECT_EQ(two.layout.at("sidebar_overflow_x"), 0.0) << view;
    EXPECT_NEAR(two.layout.at("sidebar_overflow").get<double>(),
                2 * one.layout.at("sidebar_overflow").get<double>(), 6)
        << view;
    ASSERT_GE(one.layout.at("panels").size(), 4u);
    EXPECT_EQ(one.layout.at("panels").size(), two.layout.at("panels").size());
    for (const auto& [name, unused] : one.layout.at("panels").items()) {
      const Rect a = panel(one, name), b = panel(two, name);
      EXPECT_NEAR(b.x, 2 * a.x, 4) << view << " " << name;
      EXPECT_NEAR(b.y, 2 * a.y, 4) << view << " " << name;
      EXPECT_NEAR(b.w, 2 * a.w, 4) << view << " " << name;
      EXPECT_NEAR(b.h, 2 * a.h, 4) << view << " " << name;
    }
  }
}

// settings.json: the tab, the window size and the UI scale come back at the
// next start; a corrupt file is set aside with a message, never a crash.
TEST(StudioGui, RemembersTabWindowAndScaleAcrossStarts) {
  const std::string dir = temp_dir("settings");
  const std::string file = dir + "/config/mae-studio/settings.json";
  const StudioRun first = studio(dir, "--model " + q(kModel) + " --view how --size 1280x800");
  ASSERT_EQ(first.result.code, 0) << first.result.err;
  ASSERT_TRUE(fs::exists(file));
  const json saved = json::parse(test::slurp(file));
  EXPECT_EQ(saved.at("tab"), "how");
  EXPECT_EQ(saved.at("window").at("width"), 1280);

  const StudioRun again = studio(dir, "--model " + q(kModel));
  ASSERT_EQ(again.result.code, 0) << again.result.err;
  EXPECT_EQ(again.layout.at("tab"), "how");
  EXPECT_EQ(again.layout.at("framebuffer"), json::array({1280, 800}));
  EXPECT_EQ(again.layout.at("ui_scale"), 1.0);

  // As View > UI scale > 150 % leaves it.
  json chosen = json::parse(test::slurp(file));
  chosen["ui_scale"] = 1.5;
  std::ofstream(file) << chosen.dump();
  const StudioRun scaled = studio(dir, "--model " + q(kModel));
  ASSERT_EQ(scaled.result.code, 0) << scaled.result.err;
  EXPECT_EQ(scaled.layout.at("ui_scale"), 1.5);
  EXPECT_EQ(json::parse(test::slurp(file)).at("ui_scale"), 1.5);

  std::ofstream(file) << "{ \"tab\": \"how\", \"ui_scale\": ";
  const StudioRun corrupt = studio(dir, "--model " + q(kModel));
  ASSERT_EQ(corrupt.result.code, 0) << corrupt.result.err;
  const json* p = popup(corrupt, "error");
  ASSERT_NE(p, nullptr) << corrupt.layout.at("popups").dump();
  EXPECT_TRUE(contains(p->at("text").get<std::string>(), "settings.json.bad")) << p->dump();
  EXPECT_EQ(corrupt.layout.at("tab"), "explorer");
  EXPECT_TRUE(fs::exists(file + ".bad"));
  // Saved again, valid, on the way out.
  EXPECT_EQ(json::parse(test::slurp(file)).at("tab"), "explorer");
}

} // namespace
} // namespace mae

namespace mae {
namespace {

// Model > Get models...: a model from a local server is downloaded, converted,
// cached and opened as the main model; an unreachable server says "offline" in
// the dialog and the current model stays.
TEST(StudioGui, GetModelsDownloadsConvertsAndOpens) {
  const std::string dir = temp_dir("get_models");
  fs::create_directories(dir + "/served");
  fs::copy_file(kModel + "/config.json", dir + "/served/config.json");
  fs::copy_file(kModel + "/model.safetensors", dir + "/served/model.safetensors");
  test::FixtureServer server(dir + "/served", dir + "/requests.jsonl");
  const json catalog = {
      {"models",
       {{{"name", "tiny"},
         {"description", "a test model"},
         {"files",
          {{{"url", server.url() + "/hf/config.json"}},
           {{"url", server.url() + "/ok/model.safetensors"}}}}},
        {{"name", "unreachable"}, {"files", {{{"url", "http://127.0.0.1:1/m.pth"}}}}}}}};
  std::ofstream(dir + "/catalog.json") << catalog.dump(2);
  const std::string env = "XDG_CACHE_HOME=" + q(dir + "/cache");
  const std::string cached = dir + "/cache/mae-studio/models/tiny.safetensors";

  const auto get = [&](const std::string& name) {
    return studio(dir,
                  "--model " + q(kModel) + " --fetch-catalog " + q(dir + "/catalog.json") +
                      " --fetch " + name,
                  env);
  };
  const StudioRun got = get("tiny");
  ASSERT_EQ(got.result.code, 0) << got.result.err;
  const json& g = got.layout.at("get_models");
  EXPECT_EQ(g.at("state"), "done") << g.dump();
  EXPECT_EQ(g.at("entries"), 2);
  EXPECT_EQ(g.at("path"), cached);
  EXPECT_TRUE(fs::exists(cached));
  EXPECT_FALSE(fs::exists(dir + "/cache/mae-studio/models/partial/tiny"));
  EXPECT_EQ(got.layout.at("model"), cached); // opened as the main model
  EXPECT_NE(popup(got, "get_models"), nullptr) << got.layout.at("popups").dump();
  EXPECT_EQ(popup(got, "error"), nullptr) << got.layout.at("popups").dump();

  const StudioRun offline = get("unreachable");
  ASSERT_EQ(offline.result.code, 0) << offline.result.err;
  const json& o = offline.layout.at("get_models");
  EXPECT_EQ(o.at("state"), "failed") << o.dump();
  const std::string why = o.at("fetch_error");
  EXPECT_TRUE(contains(why, "offline")) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos) << why;
  EXPECT_EQ(offline.layout.at("model"), kModel); // nothing else changed
  EXPECT_EQ(popup(offline, "error"), nullptr);
}

} // namespace
} // namespace mae

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::cout << "skipped: no X display (install xvfb: the test runs under xvfb-run)\n";
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
