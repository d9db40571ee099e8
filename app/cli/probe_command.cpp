#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "train/linear_probe.h"
#include "train/progress_bar.h"

#include <chrono>
#include <cstdio>

namespace mae::cli {

int run_probe(int argc, const char* const* argv) {
  Args args("probe",
            "Linear probe of a trained encoder, as the MAE paper's: frozen cls features (or the\n"
            "mean patch token, --pool mean, or both joined into one feature, --pool both),\n"
            "BatchNorm without affine + a linear head trained with LARS; prints top-1 on the\n"
            "held-out split.");
  args.option("model", "MODEL", "trained model (model.safetensors, or any format mae info reads)");
  add_labelled_data_options(args);
  args.option("epochs", "E", "training epochs of the head", "90")
      .range(1, 10000)
      .option("batch-size", "B",
              "head batch size (at least 2: the head's BatchNorm needs two images to normalise)",
              "1024")
      .range(2, 65536)
      .option("blr", "BLR",
              "base lr, in (0, 100]: lr = blr * batch / 256 (6.4, the official lr, at batch 1024)",
              "1.6")
      .option("max-train", "N", "use N training images (0: all)", "0")
      .option("max-test", "N", "use N held-out images (0: all)", "0")
      .option("seed", "N", "subset and head seed", "0")
      .option("pool", "cls|mean|both",
              "the feature: the cls token (the paper's), the mean of the patch tokens, or the "
              "two joined into one feature",
              "cls")
      .flag("raw-pixels", "the baseline: the same head on the normalised pixels, no encoder");
  if (!parse_command(args, argc, argv, kModel | kThreads | kDevice))
    return 0;

  LinearProbeOptions o;
  o.data = labelled_data(args);
  o.epochs = args.get_int32("epochs");
  o.batch_size = args.get_int32("batch-size");
  o.blr = args.get_double("blr");
  // Named by option, before the features are computed (1e300 overflowed later).
  if (!(o.blr > 0 && o.blr <= 100))
    throw UsageError("--blr must be in (0, 100]");
  if (args.flag_set("raw-pixels") && args.has("pool"))
    throw UsageError("--pool chooses how encoder tokens are pooled; --raw-pixels has none");
  if (args.get_int("max-train") < 0 || args.get_int("max-test") < 0)
    throw UsageError("--max-train/--max-test must not be negative");
  o.max_train = static_cast<size_t>(args.get_int("max-train"));
  o.max_test = static_cast<size_t>(args.get_int("max-test"));
  o.seed = args.get_seed("seed");
  o.raw_pixels = args.flag_set("raw-pixels");
  const std::string pool = args.get("pool");
  if (pool != "cls" && pool != "mean" && pool != "both")
    throw UsageError("--pool must be cls, mean or both, got '" + pool + "'");
  o.pooling = pool == "cls"    ? FeaturePooling::Cls
              : pool == "both" ? FeaturePooling::ClsAndMean
                               : FeaturePooling::MeanPatch;
  o.device = args.get("device");
  // A split's rate counts from the previous event: the log line announcing
  // the features, or the end of the split before.
  ProgressBar bar(stderr, ProgressBar::stderr_is_tty());
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_event = Clock::now(), split_start = last_event;
  std::string current_split;
  o.log = [&](const std::string& line) {
    bar.message(line);
    last_event = Clock::now();
  };
  o.progress = [&](const std::string& split, size_t done, size_t total) {
    if (split != current_split) {
      current_split = split;
      split_start = last_event;
    }
    last_event = Clock::now();
    const double s = std::chrono::duration<double>(last_event - split_start).count();
    bar.show(count_progress_text("features (" + split + ")", done, total, s, bar.tty() ? 24 : 0),
             done == total);
  };
  const LinearProbeResult r = run_linear_probe(args.get("model"), load_options(args), o);
  bar.finish();
  std::printf("linear probe top-1: %.2f%% on %lld held-out images (train %.2f%%, %lld images, "
              "%lld-d %s, "
              "%lld classes; features %.1f s, head %.1f s)\n",
              100.0 * r.test_top1, static_cast<long long>(r.test_count), 100.0 * r.train_top1,
              static_cast<long long>(r.train_count), static_cast<long long>(r.feature_dim),
              o.raw_pixels     ? "raw pixels"
              : pool == "cls"  ? "cls features"
              : pool == "both" ? "cls + mean patch features"
                               : "mean patch features",
              static_cast<long long>(r.num_classes), r.feature_seconds, r.train_seconds);
  return 0;
}

} // namespace mae::cli
