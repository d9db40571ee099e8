// `mae eval-recon`: how much better than non-learned inpainting does a model
// fill in removed patches? Masked-region MSE in [0,1] pixel space.
#include "commands.h"
#include "common.h"
#include "norm_pix_note.h"

#include "base/csv_cell.h"
#include "base/errors.h"
#include "data/image_folder.h"
#include "data/image_io.h"
#include "eval/baselines.h"
#include "eval/figure.h"
#include "eval/reconstructor.h"
#include "formats/atomic_file.h"
#include "runtime/assets.h"
#include "train/progress_bar.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;

namespace mae::cli {
namespace {

struct Scores {
  double mae = 0, telea = 0, mean_fill = 0;
};

// Mean over seeds of the three errors on one image; `mask_done` after each.
Scores score_image(Reconstructor& model, const Image& input, MaskSettings settings, int seeds,
                   const std::function<void()>& mask_done) {
  Scores s;
  for (int k = 0; k < seeds; ++k) {
    settings.seed = static_cast<uint64_t>(k);
    const ReconstructionResult r = model.run(input, settings);
    const int gh = r.grid_h, gw = r.grid_w, p = r.patch_size;
    s.mae += masked_mse(r.reconstruction_visible, input, r.mask, gh, gw, p) / seeds;
    s.telea +=
        masked_mse(inpaint_telea(input, r.mask, gh, gw, p), input, r.mask, gh, gw, p) / seeds;
    s.mean_fill +=
        masked_mse(fill_visible_mean(input, r.mask, gh, gw, p), input, r.mask, gh, gw, p) / seeds;
    mask_done();
  }
  return s;
}

// masked | MAE | Telea | original, one row per image, seed 0.
Image comparison_figure(Reconstructor& model, const std::vector<Image>& inputs,
                        const MaskSettings& settings) {
  std::vector<FigurePanel> panels;
  for (const Image& input : inputs) {
    const ReconstructionResult r = model.run(input, settings);
    const Image telea = inpaint_telea(input, r.mask, r.grid_h, r.grid_w, r.patch_size);
    char mae_title[64], telea_title[64];
    std::snprintf(
        mae_title, sizeof mae_title, "MAE (MSE %.4f)",
        masked_mse(r.reconstruction_visible, input, r.mask, r.grid_h, r.grid_w, r.patch_size));
    std::snprintf(telea_title, sizeof telea_title, "Telea (MSE %.4f)",
                  masked_mse(telea, input, r.mask, r.grid_h, r.grid_w, r.patch_size));
    panels.push_back({r.masked, "masked"});
    panels.push_back({r.reconstruction_visible, mae_title});
    panels.push_back({telea, telea_title});
    panels.push_back({input, "original"});
  }
  char caption[160];
  std::snprintf(caption, sizeof caption,
                "%s masking, ratio %.2f, seed %llu; masked-region MSE in [0,1] pixels",
                to_string(settings.strategy), settings.ratio,
                static_cast<unsigned long long>(settings.seed));
  return compose_figure(panels, {caption}, 224, 4);
}

// One table row: the three errors and MAE's against Telea's, "n/a" where
// Telea's is 0 (a flat picture) and a ratio means nothing.
void print_row(const std::string& name, const Scores& s) {
  std::printf("%-36s %10.5f %10.5f %10.5f ", name.c_str(), s.mae, s.telea, s.mean_fill);
  if (s.telea > 0)
    std::printf("%+7.1f%%\n", 100.0 * (s.mae - s.telea) / s.telea);
  else
    std::printf("%8s\n", "n/a");
}

// The checked settings of an evaluation.
struct EvalOptions {
  MaskSettings mask;
  int seeds = 5;
  size_t figure_rows = 0; // pictures kept for --figure
};

EvalOptions eval_options(const Args& args) {
  EvalOptions o;
  o.mask.ratio = args.get_double("ratio");
  if (!(o.mask.ratio > 0 && o.mask.ratio < 1))
    throw UsageError("--ratio must be in (0, 1)");
  o.mask.strategy = parse_mask_strategy(args.get("strategy"));
  // Each seed is a forward pass per picture: 10,000 already takes hours on a CPU.
  o.seeds = args.get_int32("seeds");
  const int figure_images = args.get_int32("figure-images");
  o.figure_rows = args.has("figure") ? static_cast<size_t>(figure_images) : 0;
  return o;
}

// --images: one picture, or every picture under a folder.
std::vector<std::string> picture_files(const std::string& images) {
  std::error_code ec;
  if (fs::is_regular_file(images, ec) && is_image_path(images))
    return {images};
  if (fs::is_regular_file(images, ec)) // scan_image_folder would call it no folder
    throw DataError("--images: '" + images +
                    "' is neither a picture (PNG, JPEG, BMP, TIFF, WebP) nor a folder of them");
  return scan_image_folder(images).files;
}

struct Evaluation {
  Scores total; // the mean over the pictures scored
  size_t scored = 0, skipped = 0;
  std::vector<Image> figure_inputs;
  std::string csv = std::string(kEvalReconCsvHeader) + "\n";
};

// Masks scored of all, on stderr: 100 seeds of one picture were seconds of
// silence, a large folder minutes. A bar on a terminal, a line every 10 s
// otherwise.
class MaskProgress {
public:
  explicit MaskProgress(size_t total) : bar_(stderr, ProgressBar::stderr_is_tty()), total_(total) {}
  ~MaskProgress() { bar_.clear(); }
  void add(size_t masks) {
    done_ += masks;
    show();
  }
  // A line of another stream (a table row on stdout, a skipped picture) on
  // the same terminal: the bar is erased for it and drawn again below it.
  template <typename Print> void print(Print&& line) {
    bar_.clear();
    line();
    std::fflush(stdout);
    show();
  }

private:
  void show() {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (bar_.tty() || secs >= 10) // a log of a quick evaluation stays the table alone
      bar_.show(count_progress_text("masks", done_, total_, secs, bar_.tty() ? 24 : 0, "masks/s"));
  }

  ProgressBar bar_;
  size_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Scores every picture, printing its row as soon as it is known. Rows name
// a folder's pictures by their path in it: two sub/a.jpg are not one.
Evaluation evaluate(Reconstructor& model, const std::string& images,
                    const std::vector<std::string>& files, const EvalOptions& o) {
  const ModelConfig& c = model.info().config;
  Evaluation e;
  MaskProgress progress(files.size() * static_cast<size_t>(o.seeds));
  for (const auto& file : files) {
    Image input;
    try { // one unreadable picture in a large folder costs its row, not the evaluation
      input = convert_channels(resize_center_crop(load_image(file), c.img_size), c.in_chans);
    } catch (const ImageError& err) {
      progress.print([&] { std::fprintf(stderr, "skipped: %s\n", err.what()); });
      progress.add(static_cast<size_t>(o.seeds));
      ++e.skipped;
      continue;
    }
    if (e.figure_inputs.size() < o.figure_rows)
      e.figure_inputs.push_back(input);
    const Scores s = score_image(model, input, o.mask, o.seeds, [&] { progress.add(1); });
    const std::string name = file == images ? fs::path(file).filename().string()
                                            : fs::path(file).lexically_relative(images).string();
    progress.print([&] {
      if (e.scored == 0) // no table over nothing when no picture can be read
        std::printf("%-36s %10s %10s %10s %8s\n", "image", "MAE", "Telea", "mean-fill", "vs Telea");
      print_row(name, s); // flushed: also into a pipe
    });
    e.csv += csv_cell(name) + "," + std::to_string(s.mae) + "," + std::to_string(s.telea) + "," +
             std::to_string(s.mean_fill) + "\n";
    e.total.mae += s.mae, e.total.telea += s.telea, e.total.mean_fill += s.mean_fill;
    ++e.scored;
  }
  if (e.scored > 0) {
    const double n = static_cast<double>(e.scored);
    e.total = {e.total.mae / n, e.total.telea / n, e.total.mean_fill / n};
  }
  return e;
}

// Why there is nothing to score, in words that fit the count.
std::string unread(const std::vector<std::string>& files, const std::string& images) {
  if (files.size() == 1 && files[0] == images)
    return "'" + images + "' could not be read";
  if (files.size() == 1)
    return "the one picture in '" + images + "' could not be read";
  return "none of the " + std::to_string(files.size()) + " pictures in '" + images +
         "' could be read";
}

void print_summary(const Evaluation& e, const EvalOptions& o) {
  print_row("mean", e.total);
  std::printf("%zu image%s x %d seed%s, %s masking at ratio %.2f", e.scored,
              e.scored == 1 ? "" : "s", o.seeds, o.seeds == 1 ? "" : "s",
              to_string(o.mask.strategy), o.mask.ratio);
  if (e.skipped)
    std::printf("; %zu unreadable skipped", e.skipped);
  std::printf("\n");
}

} // namespace

int run_eval_recon(int argc, const char* const* argv) {
  Args args("eval-recon",
            "Masked-region MSE ([0,1] pixel space) of the model's reconstruction against two "
            "baselines that\n"
            "learn nothing: OpenCV's Telea inpainting and the mean colour of the visible patches.\n"
            "Each image is resized and centre-cropped to the model's size; errors are averaged "
            "over seeds.");
  args.option("model", "MODEL", "model file or HuggingFace directory", default_model_path())
      .option("images", "DIR", "folder of images (searched recursively), or one image")
      .required()
      .option("ratio", "R", "fraction of patches removed, in (0, 1)", "0.75")
      .option("strategy", "random|block|grid", "masking strategy", "random")
      .option("seeds", "N", "masks per image (seeds 0..N-1)", "5")
      .range(1, 10000)
      .option("csv", "FILE.csv", "also write the per-image table as CSV")
      .option("figure", "FIG.png",
              "masked | MAE | Telea | original for the first --figure-images images")
      .option("figure-images", "N", "rows of the --figure", "3")
      .range(1, 1000)
      .needs("figure");
  if (!parse_command(args, argc, argv, kModel | kOutput | kThreads | kDevice))
    return 0;

  const EvalOptions o = eval_options(args);
  const std::vector<std::string> files = picture_files(args.get("images"));
  std::vector<std::string> inputs_on_disk = files;
  inputs_on_disk.push_back(args.get("model"));
  for (const auto& [option, extension] : {std::pair{"csv", ".csv"}, std::pair{"figure", ".png"}})
    if (args.has(option))
      check_output_file(args, option, {extension}, inputs_on_disk);
  auto model = Reconstructor::load(args.get("model"), load_options(args), args.get("device"));
  model->require_finite_weights("an evaluation");
  note_norm_pix_scores(model->info().config, "eval-recon");
  const Evaluation e = evaluate(*model, args.get("images"), files, o);
  if (e.scored == 0)
    throw DataError("--images: " + unread(files, args.get("images")));
  print_summary(e, o);
  if (args.has("csv"))
    write_file_atomic(args.get("csv"), e.csv.data(), e.csv.size());
  if (args.has("figure")) {
    MaskSettings first = o.mask;
    first.seed = 0;
    write_png(args.get("figure"), comparison_figure(*model, e.figure_inputs, first));
  }
  return 0;
}

} // namespace mae::cli
