#include "commands.h"
#include "common.h"

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
      .option("out", "FIG.png", "where to write the figure")
      .option("ratio", "R", "fraction of patches removed, in [0, 1)", "0.75")
      .option("strategy", "random|block|grid", "masking strategy", "random")
      .option("seed", "N", "mask seed", "0")
      .option("panel-size", "PX", "size of each panel in the figure", "224");
  if (!parse_command(args, argc, argv, kModel | kNormalization | kThreads | kDevice))
    return 0;

  const auto t0 = std::chrono::steady_clock::now();
  MaskSettings settings;
  settings.ratio = args.get_double("ratio");
  if (!(settings.ratio >= 0 && settings.ratio < 1))
    throw UsageError("--ratio must be in [0, 1)");
  settings.strategy = parse_mask_strategy(args.get("strategy"));
  settings.seed = static_cast<uint64_t>(args.get_int("seed"));
  const std::string out = args.get("out");
  refuse_overwriting_inputs("--out", out, {args.get("image"), args.get("model")});
  const auto panel = static_cast<int>(args.get_int("panel-size"));
  if (panel < 32 || panel > 4096)
    throw UsageError("--panel-size must be in [32, 4096]");

  auto model = Reconstructor::load(args.get("model"), load_options(args), args.get("device"));
  for (const std::string& note : model->info().notices)
    std::cerr << "mae reconstruct: note: " << note << "\n";
  Normalization n = model->info().normalization;
  apply_normalization_options(args, n, model->info().config.in_chans);
  model->set_normalization(n);

  const ModelConfig& c = model->info().config;
  std::string warning;
  const Image input =
      convert_channels(resize_center_crop(load_image(args.get("image"), &warning), c.img_size),
                       c.in_chans);
  if (!warning.empty())
    std::cerr << "mae reconstruct: warning: " << args.get("image") << ": " << warning << "\n";
  const ReconstructionResult r = model->run(input, settings);
  const std::string label = std::filesystem::path(args.get("model")).filename().string();
  write_png(out, demo_figure(r, label, settings, panel));
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool removed_any = std::count(r.mask.begin(), r.mask.end(), uint8_t{1}) > 0;
  char mse[64] = "no removed patches (nothing to reconstruct)";
  if (removed_any)
    std::snprintf(mse, sizeof mse, "masked-region MSE %.5f", r.masked_mse);
  std::printf("wrote %s: %s, inference %.1f ms, total %.2f s\n", out.c_str(), mse,
              r.inference_ms, total);
  if (!r.finite)
    std::cerr << "mae reconstruct: warning: the model's output is not finite (NaN or infinite "
                 "weights?): the reconstruction is meaningless\n";
  return 0;
}

} // namespace mae::cli
