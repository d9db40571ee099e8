#include "cli_options.h"

#include "base/errors.h"
#include "base/whole_number.h"
#include "data/written_by_mae.h"

#include "cli11_help.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mae::studio {
namespace {

// CLI11's Range lets "nan" through: every comparison with NaN is false.
const CLI::Validator kFinite(
    [](std::string& text) {
      return std::isfinite(std::strtod(text.c_str(), nullptr))
                 ? std::string()
                 : "expects a finite number, got '" + text + "'";
    },
    "", "FINITE");

// An existing file at an output option is replaced only when mae wrote it or
// --force says so: `--screenshot holiday.png` must not destroy the photo.
void refuse_replacing_others(const CliOptions& o) {
  const std::pair<const char*, const std::string&> outputs[] = {
      {"--screenshot", o.screenshot},     {"--layout", o.layout},
      {"--export", o.export_figure},      {"--save-view", o.save_view},
      {"--export-sweep", o.export_sweep}, {"--train-csv", o.train_csv}};
  for (const auto& [option, path] : outputs)
    if (!path.empty())
      refuse_replacing(option, path, o.force);
}

constexpr const char* kHeadless = "headless test mode (render, write the files, exit 0)";

StartView parse_view(const std::string& text) {
  const std::pair<const char*, StartView> views[] = {
      {"single", StartView::Single},         {"how", StartView::How},
      {"attention", StartView::Attention},   {"ratios", StartView::Ratios},
      {"strategies", StartView::Strategies}, {"models", StartView::Models}};
  for (const auto& [name, view] : views)
    if (text == name)
      return view;
  throw UsageError("--view must be single, how, attention, ratios, strategies or models, not '" +
                   text + "'");
}

// A layer or head index from 0 (4095 at most), or the word standing for
// `sentinel`, as `mae attention` takes them.
int64_t index_or_word(const std::string& text, const std::string& word, int64_t sentinel,
                      const std::string& must_be) {
  if (text == word)
    return sentinel;
  if (const auto n = whole_number(text, 0, 4095))
    return *n;
  throw UsageError(must_be + " from 0 or " + word + ", not '" + text + "'");
}

// Options CLI11 reads as text; parse_cli_options turns them into CliOptions'
// types with the checks and messages of their own.
struct TextOptions {
  std::string model, image, strategy, view, attention_stack, attention_layer, attention_head, size;
  int slide = 0, how_stage = 0;
};

// Every option, once: the parser and --help both come from here.
void define_options(CLI::App& app, CliOptions& o, TextOptions& t) {
  app.formatter(
      std::make_shared<cli11::HelpFormatter>("usage: mae-studio [options] [FILE ...]", 25));
  app.set_help_flag("--help,-h", "show this help");
  app.add_option("FILES", o.files,
                 "images and models to open, as --image / --model would; lessons, views, training "
                 "configs and sweeps (.json) as a drop would")
      ->type_name("FILE");
  app.add_option("--model", t.model,
                 "model file or HuggingFace folder (default: assets/models/default.safetensors, "
                 "else the largest model in assets/models)")
      ->type_name("MODEL");
  app.add_option("--image", t.image, "picture to start with (default: assets/images/chelsea.png)")
      ->type_name("IMG");
  app.add_option("--ratio", o.ratio, "masking ratio in [0.05, 0.95] (default: 0.75)")
      ->type_name("R")
      ->check(kFinite)
      ->check(CLI::Range(0.05, 0.95));
  app.add_option("--strategy", t.strategy, "random | block | grid (default: random)")
      ->type_name("S");
  app.add_option("--seed", o.seed, "mask seed (default: 0)")
      ->type_name("N")
      ->check(CLI::Range(uint64_t{0}, kMaxMaskSeed));
  app.add_option("--view", t.view,
                 "single | how | attention | ratios | strategies | models: the tab shown first "
                 "(default: the tab open when the app last closed; models: the Compare tab with "
                 "two models, see --compare-model)")
      ->type_name("V");
  app.add_option("--compare-model", o.compare_model,
                 "the second model the Compare tab sets beside --model")
      ->type_name("M");
  app.add_option("--sweep", o.sweep, "the Experiments tab on this sweep (see configs/sweeps/)")
      ->type_name("SWEEP.json");
  app.add_option("--sweep-out", o.sweep_out, "its output folder (default: runs/sweeps/<name>)")
      ->type_name("DIR");
  app.add_flag("--sweep-quick", o.sweep_quick,
               "its evaluations on a fifth of the images, as the tab's 'quick evaluations' "
               "(default output runs/sweeps/<name>-quick)");
  app.add_option("--patch", o.patch,
                 "How it works and Attention: select patch N (row-major), as a click would")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--how-stage", t.how_stage, "How it works: open stage K (1-8) large")
      ->type_name("K")
      ->check(CLI::Range(1, 8));
  app.add_option("--attention-stack", t.attention_stack,
                 "Attention: encoder | decoder (default: encoder)")
      ->type_name("S");
  app.add_option("--attention-layer", t.attention_layer,
                 "Attention: layer N from 0, or last, as in `mae attention` (default: last)")
      ->type_name("N");
  app.add_option("--attention-head", t.attention_head,
                 "Attention: head H from 0, or mean (default: mean)")
      ->type_name("H");
  app.add_flag("--rollout", o.attention.rollout,
               "Attention: the rollout through layers 0..N instead of layer N");
  app.add_option("--device", o.device, "auto | cpu | cuda | cuda:N (default: auto)")
      ->type_name("D");
  app.add_option("--threads", o.threads,
                 "CPU threads for inference (default $MAE_THREADS, else the cores no other "
                 "process keeps busy, but one, which the UI keeps)")
      ->type_name("N")
      ->check(CLI::Range(1, 1024));
  app.add_option("--state", o.state,
                 "open a view saved with File > Save view: its model, picture, mask, tab and "
                 "zoom (--model / --image still win)")
      ->type_name("VIEW.json");
  app.add_option("--lesson", o.lesson, "open a lesson (assets/lessons/ has two) ...")
      ->type_name("LESSON.json");
  app.add_option("--slide", t.slide, "... at slide N (from 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 10000));
  app.add_flag("--present", o.present, "... in Present mode: full screen, large text (F5)");
  app.add_option("--size", t.size,
                 "window size in screen coordinates (default: the size it last had, else "
                 "1600x1000)")
      ->type_name("WxH");
  app.add_option("--ui-scale", o.ui_scale,
                 "scale of text and controls, 0.5 to 4 (default: View > UI scale, else the "
                 "monitor's content scale: 2 on a 200 % screen)")
      ->type_name("S")
      ->check(kFinite)
      ->check(CLI::Range(0.5f, 4.0f));
  app.add_option("--train", o.train_config, "start training with this config on the Training tab")
      ->type_name("CONFIG.json");
  app.add_option("--train-resume", o.train_resume, "... or continue the run in folder RUN")
      ->type_name("RUN");
  app.add_option("--train-steps", o.train_steps,
                 "total optimizer steps, overriding the config's length")
      ->type_name("N")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--train-out", o.train_out,
                 "the run's folder (default: runs/<config name>-<date>-<time>)")
      ->type_name("DIR");
  app.add_option("--watch-run", o.watch_run,
                 "follow a run that another process trains into DIR (mae train, torchrun): its "
                 "curves and status on the Training tab, read-only")
      ->type_name("DIR");
  app.add_option("--fetch-catalog", o.fetch_catalog,
                 "the models Model > Get models... lists (default: configs/fetch/catalog.json; "
                 "see mae fetch)")
      ->type_name("FILE");

  const auto headless = [&](CLI::Option* opt) { opt->group(kHeadless); };
  headless(app.add_option("--drop", o.drops,
                          "handle FILEs as if dropped on the window, one after another")
               ->type_name("FILE")
               ->expected(1, -1));
  headless(app.add_option("--frames", o.frames,
                          "frames to render once loading and inference are done (default: 3)")
               ->type_name("N")
               ->check(CLI::Range(1, 100000)));
  headless(
      app.add_option("--screenshot", o.screenshot, "write the window's pixels after the last frame")
          ->type_name("OUT.png"));
  headless(
      app.add_option("--layout", o.layout, "write the panels' pixel rectangles and open popups")
          ->type_name("OUT.json"));
  headless(app.add_option("--export", o.export_figure,
                          "write the demo figure, as File > Export figure does")
               ->type_name("FIG.png"));
  headless(app.add_option("--save-view", o.save_view, "write the view, as File > Save view does")
               ->type_name("VIEW.json"));
  headless(app.add_option("--export-sweep", o.export_sweep,
                          "write the ratio sweep video, as File > Export ratio sweep does")
               ->type_name("V.mp4"));
  headless(app.add_flag("--force", o.force,
                        "let the files above replace existing ones that MAE Studio did not write "
                        "(its own screenshots, figures, views and tables are replaced anyway)"));
  headless(app.add_option("--keys", o.keys,
                          "press these keys one after another, each a frame down and a frame up "
                          "(Left, Right, Up, Down, PageUp, PageDown, Space, Escape, F1, F5, Plus, "
                          "Minus, a letter or digit; Shift+ or Ctrl+ before one)")
               ->type_name("K,K,...")
               ->delimiter(',')
               ->expected(1, -1));
  headless(app.add_option("--paint", o.paint,
                          "switch to the custom mask and toggle these patches (row-major), as "
                          "clicks on the masked panel would")
               ->type_name("I,J,...")
               ->delimiter(',')
               ->check(CLI::Range(0, 1 << 20)));
  headless(app.add_option("--bench-latency", o.bench_latency,
                          "move the ratio N times; print the median request -> display time "
                          "and frame times while inference runs")
               ->type_name("N")
               ->check(CLI::Range(1, 100000)));
  headless(app.add_flag("--sweep-run", o.sweep_run,
                        "press Start on the Experiments tab and wait for the sweep to end"));
  headless(app.add_option("--dialog", o.dialog,
                          "open a dialog as its menu item or button would: help (F1), details "
                          "(the model's), open (File > Open...), get-models")
               ->type_name("NAME")
               ->check(CLI::IsMember({"help", "details", "open", "get-models"})));
  headless(app.add_option("--fetch", o.fetch,
                          "open Model > Get models..., Get NAME and wait for it to open")
               ->type_name("NAME"));
  headless(app.add_option("--train-until", o.train_until,
                          "with --train: only until step N, then close the window mid-run "
                          "(stopping it with a checkpoint)")
               ->type_name("N")
               ->check(CLI::Range(int64_t{1}, int64_t{1} << 40)));
  headless(app.add_option("--train-csv", o.train_csv,
                          "export the training curves, as the Export CSV... button does")
               ->type_name("OUT.csv"));
  headless(app.add_flag("--train-explore", o.train_explore,
                        "press \"Open in explorer\" and wait for its reconstruction"));
  app.footer("With --train / --train-resume, headless runs wait for the run (frame times "
             "printed) before the frames are rendered.");
  app.description(
      "MAE Studio's reconstruction explorer: mask a picture, watch a Masked Autoencoder\n"
      "reconstruct it, compare masking ratios and strategies with an inpainting baseline.\n"
      "Drop images and model files (.safetensors, HuggingFace folders, official .pth) on the\n"
      "window, or name them after the options: each opens at start as --image or --model "
      "would.");
}

// CLI11's values into CliOptions' types, with the cross-option rules.
void finish(const CLI::App& app, CliOptions& o, const TextOptions& t) {
  const auto given = [&](const char* name) { return app.count(name) > 0; };
  if (given("--model"))
    o.model = t.model;
  if (given("--image"))
    o.image = t.image;
  if (given("--strategy"))
    o.strategy = parse_mask_strategy(t.strategy);
  if (given("--view"))
    o.view = parse_view(t.view);
  if (given("--slide"))
    o.slide = t.slide - 1;
  if (given("--how-stage"))
    o.how_stage = t.how_stage - 1;
  if (given("--attention-stack"))
    o.attention.stack = parse_attention_stack(t.attention_stack);
  if (given("--attention-layer"))
    o.attention.layer = index_or_word(t.attention_layer, "last", AttentionQuery::kLastLayer,
                                      "--attention-layer must be a layer");
  if (given("--attention-head"))
    o.attention.head = index_or_word(t.attention_head, "mean", AttentionQuery::kMeanOfHeads,
                                     "--attention-head must be a head");
  if (given("--size")) {
    // Each side read whole: sscanf's %d wrapped 4294967616 to 320.
    const size_t x = t.size.find('x');
    constexpr long long kAny = 1LL << 62;
    const auto w =
        x == std::string::npos ? std::nullopt : whole_number(t.size.substr(0, x), -kAny, kAny);
    const auto h =
        x == std::string::npos ? std::nullopt : whole_number(t.size.substr(x + 1), -kAny, kAny);
    if (!w || !h)
      throw UsageError("--size must look like 1600x1000, not '" + t.size + "'");
    if (*w < 320 || *w > 16384 || *h < 240 || *h > 16384)
      throw UsageError("--size must be within 320x240 and 16384x16384, not '" + t.size + "'");
    o.width = static_cast<int>(*w), o.height = static_cast<int>(*h), o.size_given = true;
  }
  for (const std::string& f : o.files)
    if (!f.empty() && f[0] == '-')
      throw UsageError("unknown option '" + f + "' (see --help)");
  if ((o.train_explore || o.train_until > 0) && !o.training())
    throw UsageError("--train-explore and --train-until need --train or --train-resume");
  if (!o.train_csv.empty() && !o.training() && o.watch_run.empty())
    throw UsageError("--train-csv needs --train, --train-resume or --watch-run");
  if (!o.watch_run.empty() && o.training())
    throw UsageError("--watch-run follows another process's run: not with --train");
  if (o.headless() && o.frames == 0)
    o.frames = 3;
  refuse_replacing_others(o);
}

} // namespace

// Any option of the headless group but --force starts it: each one's files
// are written and the app exits, as the group's heading says.
bool CliOptions::headless() const {
  return frames > 0 || bench_latency > 0 || !fetch.empty() || !screenshot.empty() ||
         !layout.empty() || !export_figure.empty() || !train_csv.empty() || train_explore ||
         train_until > 0 || !drops.empty() || !save_view.empty() || !export_sweep.empty() ||
         !keys.empty() || !paint.empty() || sweep_run || !dialog.empty();
}

std::string cli_usage() {
  CLI::App app;
  CliOptions o;
  TextOptions t;
  define_options(app, o, t);
  return app.help();
}

CliOptions parse_cli_options(int argc, const char* const* argv) {
  CLI::App app;
  CliOptions o;
  TextOptions t;
  define_options(app, o, t);
  std::vector<std::string> args(argv, argv + argc);
  cli11::refuse_unknown_options(app, args, "see --help");
  std::reverse(args.begin(), args.end()); // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    o.help = true;
    return o;
  } catch (const CLI::ParseError& e) {
    throw UsageError(cli11::parse_error_text(e) + " (see --help)");
  }
  finish(app, o, t);
  return o;
}

} // namespace mae::studio
