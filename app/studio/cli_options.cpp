#include "cli_options.h"

#include "base/errors.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace mae::studio {
namespace {

double parse_double(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw UsageError(flag + ": not a finite number: '" + text + "'");
  return v;
}

long long parse_int(const std::string& flag, const std::string& text, long long lo, long long hi) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    throw UsageError(flag + ": not an integer: '" + text + "'");
  if (errno == ERANGE || v < lo || v > hi)
    throw UsageError(flag + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

StartView parse_view(const std::string& text) {
  if (text == "single")
    return StartView::Single;
  if (text == "how")
    return StartView::How;
  if (text == "attention")
    return StartView::Attention;
  if (text == "ratios")
    return StartView::Ratios;
  if (text == "strategies")
    return StartView::Strategies;
  if (text == "models")
    return StartView::Models;
  throw UsageError("--view must be single, how, attention, ratios, strategies or models, not '" +
                   text + "'");
}

} // namespace

bool CliOptions::headless() const {
  return frames > 0 || bench_latency > 0 || !fetch.empty() || !screenshot.empty() ||
         !layout.empty() || !export_figure.empty() || !train_csv.empty() || train_explore ||
         train_until > 0;
}

std::string cli_usage() {
  return R"(usage: mae-studio [options] [IMAGE] [MODEL]

MAE Studio's reconstruction explorer: mask a picture, watch a Masked Autoencoder
reconstruct it, compare masking ratios and strategies with an inpainting baseline.
Drop images and model files (.safetensors, HuggingFace folders, official .pth) on the window,
or name them after the options: each opens at start as --image or --model would.

options:
  --model MODEL          model file or HuggingFace folder (default: assets/models/default.safetensors,
                         else the largest model in assets/models)
  --image IMG            picture to start with (default: assets/images/chelsea.png)
  --ratio R              masking ratio in [0.05, 0.95] (default 0.75)
  --strategy S           random | block | grid (default random)
  --seed N               mask seed (default 0)
  --view V               single | how | attention | ratios | strategies | models: the tab
                         shown first (default: the tab open when the app last closed;
                         single: the Explorer; models: the Compare tab with two models,
                         see --compare-model)
  --compare-model M      the second model the Compare tab sets beside --model
  --sweep SWEEP.json     the Experiments tab on this sweep (see configs/sweeps/)
  --sweep-out DIR        its output folder (default runs/sweeps/<name>)
  --sweep-run            headless: press Start and wait for the sweep to end
  --patch N              How it works and Attention: select patch N (row-major), as a
                         click would (default: none; Attention then asks for cls)
  --how-stage K          How it works: open stage K (1-8) large
  --attention-stack S    Attention: encoder | decoder (default encoder)
  --attention-layer N    Attention: layer N, from 0 as in `mae attention` (default 0)
  --attention-head H     Attention: head H from 0, or mean (default mean)
  --rollout              Attention: the rollout through layers 0..N instead of layer N
  --device D             auto | cpu | cuda | cuda:N (default auto: CUDA when available)
  --threads N            CPU threads for inference (default $MAE_THREADS, else the cores
                         no other process keeps busy, but one, which the UI keeps)
  --state VIEW.json      open a view saved with File > Save view: its model, picture,
                         mask, tab and zoom (--model / --image still win)
  --lesson LESSON.json   open a lesson (assets/lessons/ has one) ...
  --slide N              ... at slide N (from 1)
  --present              ... in Present mode: full screen, large text (F5)
  --size WxH             window size in screen coordinates (default: the size it last had,
                         else 1600x1000)
  --ui-scale S           scale of text and controls, 0.5 to 4 (default: View > UI scale,
                         else the monitor's content scale: 2 on a 200 % screen)
  --train CONFIG.json    start training with this config on the Training tab
  --train-resume RUN     ... or continue the run in folder RUN
  --train-steps N        total optimizer steps, overriding the config's length
  --train-out DIR        the run's folder (default runs/<config name>-<date>-<time>)
  --fetch-catalog FILE   the models Model > Get models... lists (default:
                         configs/fetch/catalog.json; see mae fetch)
  --watch-run DIR        follow a run that another process trains into DIR (mae train,
                         torchrun): its curves and status on the Training tab, read-only

headless test mode (render, write the files, exit 0):
  --drop FILE ...        handle FILEs as if dropped on the window, one after another
  --frames N             frames to render once loading and inference are done (default 3)
  --screenshot OUT.png   write the window's pixels after the last frame
  --layout OUT.json      write the panels' pixel rectangles and open popups
  --export FIG.png       write the demo figure, as File > Export figure does
  --save-view VIEW.json  write the view, as File > Save view does
  --export-sweep V.mp4   write the ratio sweep video, as File > Export ratio sweep does
  --paint I,J,...        switch to the custom mask and toggle these patches (row-major),
                         as clicks on the masked panel would
  --fetch NAME           open Model > Get models..., Get NAME and wait for it to open
  --bench-latency N      move the ratio N times; print the median request -> display
                         time and frame times while inference runs
  with --train / --train-resume, the run is waited for (frame times printed) before the
  frames are rendered, and then:
  --train-until N        ... only until step N: the frames show the run going, and the
                         window is then closed mid-run (stopping it with a checkpoint)
  --train-csv OUT.csv    export the training curves, as the Export CSV... button does
  --train-explore        press "Open in explorer" and wait for its reconstruction
  --help                 show this help
)";
}

CliOptions parse_cli_options(int argc, const char* const* argv) {
  CliOptions o;
  for (int i = 0; i < argc; ++i) {
    const std::string flag = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw UsageError(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--model") {
      o.model = value();
    } else if (flag == "--image") {
      o.image = value();
    } else if (flag == "--ratio") {
      o.ratio = parse_double(flag, value());
      if (!(o.ratio >= 0.05 && o.ratio <= 0.95))
        throw UsageError("--ratio must be in [0.05, 0.95]");
    } else if (flag == "--strategy") {
      o.strategy = parse_mask_strategy(value());
    } else if (flag == "--seed") {
      o.seed = static_cast<uint64_t>(parse_int(flag, value(), 0, (1LL << 53)));
    } else if (flag == "--view") {
      o.view = parse_view(value());
    } else if (flag == "--lesson") {
      o.lesson = value();
    } else if (flag == "--slide") {
      o.slide = static_cast<int>(parse_int(flag, value(), 1, 10000)) - 1;
    } else if (flag == "--present") {
      o.present = true;
    } else if (flag == "--sweep") {
      o.sweep = value();
    } else if (flag == "--sweep-out") {
      o.sweep_out = value();
    } else if (flag == "--sweep-run") {
      o.sweep_run = true;
    } else if (flag == "--compare-model") {
      o.compare_model = value();
    } else if (flag == "--state") {
      o.state = value();
    } else if (flag == "--export-sweep") {
      o.export_sweep = value();
    } else if (flag == "--save-view") {
      o.save_view = value();
    } else if (flag == "--paint") {
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');)
        o.paint.push_back(static_cast<int>(parse_int(flag, item, 0, 1 << 20)));
    } else if (flag == "--patch") {
      o.patch = static_cast<int>(parse_int(flag, value(), 0, 1 << 20));
    } else if (flag == "--attention-stack") {
      o.attention.stack = parse_attention_stack(value());
    } else if (flag == "--attention-layer") {
      o.attention.layer = parse_int(flag, value(), 0, 4095);
    } else if (flag == "--attention-head") {
      const std::string v = value();
      o.attention.head = v == "mean" ? AttentionQuery::kMeanOfHeads : parse_int(flag, v, 0, 4095);
    } else if (flag == "--rollout") {
      o.attention.rollout = true;
    } else if (flag == "--how-stage") {
      o.how_stage = static_cast<int>(parse_int(flag, value(), 1, 8)) - 1;
    } else if (flag == "--device") {
      o.device = value();
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parse_int(flag, value(), 1, 1024));
    } else if (flag == "--size") {
      const std::string v = value();
      const auto x = v.find('x');
      if (x == std::string::npos)
        throw UsageError("--size must look like 1600x1000");
      o.width = static_cast<int>(parse_int(flag, v.substr(0, x), 320, 16384));
      o.height = static_cast<int>(parse_int(flag, v.substr(x + 1), 240, 16384));
      o.size_given = true;
    } else if (flag == "--ui-scale") {
      o.ui_scale = static_cast<float>(parse_double(flag, value()));
      if (!(o.ui_scale >= 0.5f && o.ui_scale <= 4.0f))
        throw UsageError("--ui-scale must be in [0.5, 4]");
    } else if (flag == "--drop") {
      o.drops.push_back(value());
      // --drop A B C: every following argument up to the next option.
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
        o.drops.emplace_back(argv[++i]);
    } else if (flag == "--frames") {
      o.frames = static_cast<int>(parse_int(flag, value(), 1, 100000));
    } else if (flag == "--screenshot") {
      o.screenshot = value();
    } else if (flag == "--layout") {
      o.layout = value();
    } else if (flag == "--export") {
      o.export_figure = value();
    } else if (flag == "--train") {
      o.train_config = value();
    } else if (flag == "--train-resume") {
      o.train_resume = value();
    } else if (flag == "--train-steps") {
      o.train_steps = parse_int(flag, value(), 1, 1LL << 40);
    } else if (flag == "--fetch") {
      o.fetch = value();
    } else if (flag == "--fetch-catalog") {
      o.fetch_catalog = value();
    } else if (flag == "--watch-run") {
      o.watch_run = value();
    } else if (flag == "--train-out") {
      o.train_out = value();
    } else if (flag == "--train-until") {
      o.train_until = parse_int(flag, value(), 1, 1LL << 40);
    } else if (flag == "--train-csv") {
      o.train_csv = value();
    } else if (flag == "--train-explore") {
      o.train_explore = true;
    } else if (flag == "--bench-latency") {
      o.bench_latency = static_cast<int>(parse_int(flag, value(), 1, 100000));
    } else if (!flag.empty() && flag[0] != '-') {
      o.files.push_back(flag);
    } else {
      throw UsageError("unknown option '" + flag + "' (see --help)");
    }
  }
  if ((o.train_explore || o.train_until > 0) && !o.training())
    throw UsageError("--train-explore and --train-until need --train or --train-resume");
  if (!o.train_csv.empty() && !o.training() && o.watch_run.empty())
    throw UsageError("--train-csv needs --train, --train-resume or --watch-run");
  if (!o.watch_run.empty() && o.training())
    throw UsageError("--watch-run follows another process's run: not with --train");
  if (o.headless() && o.frames == 0)
    o.frames = 3;
  return o;
}

} // namespace mae::studio
