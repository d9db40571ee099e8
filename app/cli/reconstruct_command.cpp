#include "commands.h"
#include "common.h"
#include "figure_input.h"

#include "base/errors.h"
#include "data/image_io.h"
#include "eval/figure.h"
#include "eval/reconstructor.h"
#include "runtime/assets.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace mae::cli {

int run_reconstruct(int argc, const char* const* argv) {
  Args args("reconstruct",
            "Mask an image, reconstruct it and write the paper's demo figure:\n"
            "masked | reconstruction | reconstruction + visible | original.\n"
            "The image is resized (short side) and centre-cropped to the model's size.");
  args.option("model", "MODEL", "model file or HuggingFace directory", default_model_path())
      .option("image", "IMG", "input image (png, jpg, bmp, webp, tiff)")
      .option("out", "FIG.png", "where to write the figure");
  if (!parse_command(args, argc, argv, kModel | kNormalization | kFigure | kThreads | kDevice))
    return 0;

  const auto t0 = std::chrono::steady_clock::now();
  const FigureOptions figure = figure_options(args);
  const MaskSettings& settings = figure.mask;
  const std::string out = args.get("out");
  refuse_overwriting_inputs("--out", out, {args.get("image"), args.get("model")});
  const FigureInput in = load_figure_input(args, "reconstruct");
  const ReconstructionResult r = in.model->run(in.image, settings);
  write_png(out, demo_figure(r, in.label, settings, figure.panel_size));
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool removed_any = std::count(r.mask.begin(), r.mask.end(), uint8_t{1}) > 0;
  char mse[64] = "no removed patches (nothing to reconstruct)";
  if (removed_any)
    std::snprintf(mse, sizeof mse, "masked-region MSE %.5f", r.masked_mse);
  std::printf("wrote %s: %s, inference %.1f ms, total %.2f s\n", out.c_str(), mse, r.inference_ms,
              total);
  if (!r.finite)
    std::cerr << "mae reconstruct: warning: the model's output is not finite (NaN or infinite "
                 "weights?): the reconstruction is meaningless\n";
  return 0;
}

} // namespace mae::cli
