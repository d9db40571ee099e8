#include "commands.h"
#include "common.h"
#include "figure_input.h"
#include "norm_pix_note.h"

#include "base/errors.h"
#include "base/image_signature.h"
#include "base/plural.h"
#include "data/image_io.h"
#include "data/written_by_mae.h"
#include "dist/local_launch.h"
#include "eval/figure.h"
#include "eval/figure_video.h"
#include "eval/reconstructor.h"
#include "runtime/assets.h"
#include "train/progress_bar.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace mae::cli {
namespace {

// "0.1:0.95:0.05" -> 0.1, 0.15, ..., 0.95 (the last one kept when a step lands near it).
std::vector<double> parse_sweep(const std::string& text) {
  std::string commas = text;
  std::replace(commas.begin(), commas.end(), ':', ',');
  const std::vector<float> v = parse_float_list(commas, "--sweep");
  if (v.size() != 3)
    throw UsageError("--sweep must be FROM:TO:STEP, e.g. 0.1:0.95:0.05");
  try {
    return sweep_ratios(v[0], v[1], v[2]);
  } catch (const UsageError& e) {
    throw UsageError(std::string("--sweep ") + text + ": " + e.what());
  }
}

// The ratio sweep as a video (or a folder of frames): the same image, seed
// and strategy at each ratio. Ctrl-C between frames removes the half-made
// video (FigureVideo's destructor) and exits kStoppedExitCode.
int write_sweep(const FigureInput& in, const FigureOptions& figure, const std::string& sweep,
                double fps, const std::string& out) {
  const std::vector<double> ratios = parse_sweep(sweep);
  FigureVideo video(out, fps);
  ProgressBar bar(stderr, ProgressBar::stderr_is_tty());
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (interrupted()) {
      bar.finish();
      std::fprintf(stderr, "interrupted after %zu of %zu frames: %s not written\n", i,
                   ratios.size(), out.c_str());
      return kStoppedExitCode;
    }
    MaskSettings s = figure.mask;
    s.ratio = ratios[i];
    video.add(demo_figure(in.model->run(in.image, s), in.label, s, figure.panel_size));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bar.show(
        count_progress_text("frames", i + 1, ratios.size(), secs, bar.tty() ? 24 : 0, "frames/s"),
        i + 1 == ratios.size());
  }
  bar.finish();
  release_interrupt();
  const int frames = video.finish();
  std::printf("wrote %s: %s, ratio %.2f to %.2f at %.0f frames/s\n", out.c_str(),
              count_of(frames, "frame").c_str(), ratios.front(), ratios.back(), fps);
  return 0;
}

} // namespace

int run_reconstruct(int argc, const char* const* argv) {
  Args args("reconstruct",
            "Mask an image, reconstruct it and write the paper's demo figure:\n"
            "masked | reconstruction | reconstruction + visible | original.\n"
            "The image is resized (short side) and centre-cropped to the model's size.");
  args.option("model", "MODEL", "model file or HuggingFace directory", default_model_path())
      .option("image", "IMG", std::string("input image (") + kImageFormatList + ")")
      .required()
      .option("out", "FIG.png",
              "where to write the figure (with --sweep: a .mp4, an .avi or a "
              "new folder of PNG frames; default: IMG_reconstruction.png, or IMG_sweep.mp4, here)")
      .option("sweep", "FROM:TO:STEP",
              "a ratio sweep instead of one figure, e.g. 0.1:0.95:0.05: one frame per ratio")
      .option("fps", "N", "frames per second of the --sweep video", "4")
      .range(0.1, 120)
      .needs("sweep");
  if (!parse_command(args, argc, argv,
                     kModel | kNormalization | kFigure | kOutput | kThreads | kDevice))
    return 0;

  const auto t0 = std::chrono::steady_clock::now();
  const FigureOptions figure = figure_options(args);
  const MaskSettings& settings = figure.mask;
  if (args.has("sweep"))
    args.default_to("out", figure_name(args.get("image"), "sweep", ".mp4"));
  else
    args.default_to("out", figure_name(args.get("image"), "reconstruction"));
  const std::string out = args.get("out");
  // With --sweep, the video's container (or a folder of frames) follows the name.
  if (args.has("sweep")) {
    refuse_missing_folder("--out", out);
    check_sweep_output(out);
    refuse_overwriting_inputs("--out", out, {args.get("image"), args.get("model")});
    refuse_replacing("--out", out, args.flag_set("force"));
  } else
    check_output_file(args, "out", {".png"}, {args.get("image"), args.get("model")});
  if (args.has("sweep"))
    catch_interrupt(); // from here: a Ctrl-C during the model's load stops before the first frame
  const FigureInput in = load_figure_input(args, "reconstruct");
  if (args.has("sweep")) {
    const double fps = args.get_double("fps");
    return write_sweep(in, figure, args.get("sweep"), fps, out);
  }
  const ReconstructionResult r = in.model->run(in.image, settings);
  write_png(out, demo_figure(r, in.label, settings, figure.panel_size));
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool removed_any = std::count(r.mask.begin(), r.mask.end(), uint8_t{1}) > 0;
  char mse[64] = "no removed patches (nothing to reconstruct)";
  if (removed_any && !std::isfinite(r.masked_mse))
    std::snprintf(mse, sizeof mse, "masked-region MSE not finite");
  else if (removed_any)
    std::snprintf(mse, sizeof mse, "masked-region MSE %.5f", r.masked_mse);
  std::printf("wrote %s: %s, inference %.1f ms, total %.2f s\n", out.c_str(), mse, r.inference_ms,
              total);
  if (removed_any)
    note_norm_pix_scores(in.model->info().config, "reconstruct");
  if (!r.finite)
    std::cerr << "mae reconstruct: warning: the model's output is not finite (NaN or infinite "
                 "weights?): the reconstruction is meaningless\n";
  return 0;
}

} // namespace mae::cli
