#include "commands.h"
#include "common.h"
#include "dist_options.h"

#include "runtime/runtime.h"

#include "base/errors.h"
#include "dist/local_launch.h" // kStoppedExitCode
#include "train/metrics_log.h"
#include "train/progress_bar.h"
#include "train/run_plan.h"
#include "train/tensorboard_log.h"
#include "train/trainer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

namespace mae::cli {
namespace {

namespace fs = std::filesystem;

class CliObserver : public TrainObserver {
public:
  // `silent`: a rank other than 0 of a distributed run, which rank 0 speaks for.
  CliObserver(bool quiet, bool silent)
      : bar_(stderr, ProgressBar::stderr_is_tty()), quiet_(quiet || silent), silent_(silent) {}

  void on_message(const std::string& line) override {
    if (!silent_)
      bar_.message(line);
  }
  void on_progress(const TrainProgress& p) override {
    if (p.loss && !first_loss_)
      first_loss_ = p.loss;
    if (!quiet_)
      bar_.update(p);
  }
  bool before_step(Trainer&) override { return !interrupted(); }
  bool stop_asked() override { return interrupted(); }

  void finish() { bar_.finish(); }
  std::optional<double> first_loss() const { return first_loss_; }

private:
  ProgressBar bar_;
  bool quiet_, silent_;
  std::optional<double> first_loss_;
};

// "held-out masked MSE: 0.0412 at step 0 -> best 0.0297 at step 800 (Telea 0.0328: -9.3%)"
// What to do about a folder that is in the way, in this command's flags.
std::string how_to_go_on(const RunFolderInUse& e) {
  switch (e.holds()) {
  case RunFolderInUse::Holds::Run:
    return ". Continue it with --resume " + e.dir() +
           ", choose another --out, or pass --force to start over";
  case RunFolderInUse::Holds::FilesARunWrites:
    return ". Choose another --out, or pass --force to replace them";
  case RunFolderInUse::Holds::OtherFiles:
    break;
  }
  return ". Choose a new or empty --out, or pass --force to write the run beside them";
}

void print_heldout_summary(const TrainSummary& s) {
  std::printf("held-out masked MSE:");
  if (s.initial_heldout_mse)
    std::printf(" %.5f at step 0 ->", *s.initial_heldout_mse);
  std::printf(" best %.5f at step %lld", *s.best_heldout_mse,
              static_cast<long long>(s.best_heldout_step));
  if (s.telea_heldout_mse && *s.telea_heldout_mse > 0) // 0: flat pictures, no ratio
    std::printf(" (Telea %.5f: %+.1f%%)", *s.telea_heldout_mse,
                100.0 * (*s.best_heldout_mse - *s.telea_heldout_mse) / *s.telea_heldout_mse);
  else if (s.telea_heldout_mse)
    std::printf(" (Telea %.5f)", *s.telea_heldout_mse);
  std::printf("\n");
}

// What the command line asks of the run, checked.
RunRequest run_request(const Args& args) {
  RunRequest request;
  request.config_path = args.get_or("config", "");
  request.resume = args.get_or("resume", "");
  request.out_dir = args.get_or("out", "");
  if (args.has("steps")) {
    request.steps = args.get_int("steps");
    if (request.steps <= 0 || request.steps > kMaxTrainSteps)
      throw UsageError("--steps must be in [1, 2^40]");
  }
  if (args.has("batch-size"))
    request.batch_size = args.get_int("batch-size");
  request.device = args.get("device");
  request.force = args.flag_set("force");
  return request;
}

// How the run went, and where its files are.
void print_summary(const TrainSummary& s, const CliObserver& observer,
                   const TrainOptions& options) {
  if (s.stopped_early)
    std::printf("stopped at step %lld of %lld; continue with: mae train --resume %s\n",
                static_cast<long long>(s.step), static_cast<long long>(s.total_steps),
                options.out_dir.c_str());
  else
    std::printf("finished %lld steps in %s\n", static_cast<long long>(s.step),
                format_duration(s.last.elapsed_s).c_str());
  if (observer.first_loss() && s.last.loss)
    std::printf("loss: %.4f -> %.4f\n", *observer.first_loss(), *s.last.loss);
  if (s.initial_knn_accuracy || s.final_knn_accuracy) {
    std::printf("k-NN accuracy:");
    if (s.initial_knn_accuracy)
      std::printf(" %.2f%% at init", 100.0 * *s.initial_knn_accuracy);
    if (s.final_knn_accuracy)
      std::printf("%s%.2f%% at step %lld", s.initial_knn_accuracy ? " -> " : " ",
                  100.0 * *s.final_knn_accuracy, static_cast<long long>(s.step));
    std::printf("\n");
  }
  if (s.best_heldout_mse)
    print_heldout_summary(s);
  if (s.last.skipped_images > 0)
    std::printf("skipped %lld unreadable images\n", static_cast<long long>(s.last.skipped_images));
  if (s.last.skipped_steps > 0)
    std::printf("skipped %lld non-finite steps\n", static_cast<long long>(s.last.skipped_steps));
  if (options.dist)
    std::printf("ranks: %d, gradient averaging %.1f s of the run (rank 0)\n",
                options.dist->world_size(), s.allreduce_seconds);
  std::printf("checkpoint: %s\nmodel:      %s\n", s.checkpoint_path.c_str(), s.model_path.c_str());
  if (s.best_heldout_mse)
    std::printf("best model: %s (step %lld)\n", s.best_model_path.c_str(),
                static_cast<long long>(s.best_heldout_step));
}

// A run resumed in its folder that holds its metrics but no event file was
// started with --tensorboard off: it keeps writing the logs it wrote.
bool resumed_without_tensorboard(const TrainOptions& o) {
  std::error_code ec;
  if (o.resume.empty() || !fs::exists(fs::path(o.out_dir) / kMetricsName, ec))
    return false;
  for (fs::directory_iterator it(o.out_dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_tensorboard_event_file(it->path().filename().string()))
      return false;
  return true;
}

} // namespace

int run_train(int argc, const char* const* argv) {
  Args args(
      "train",
      "Pre-train a Masked Autoencoder with the official recipe (AdamW, warmup + cosine lr,\n"
      "random/block/grid masking). Writes checkpoint.safetensors (resumable), model.safetensors\n"
      "(for mae info / reconstruct / the app) and metrics.jsonl to the output directory.\n"
      "Ctrl-C stops after the current step and saves a checkpoint. On the CPU, a run in one\n"
      "process without --threads or $MAE_THREADS first times a step at the automatic thread\n"
      "count and at one, and trains on the faster (a resumed run keeps the count it chose).");
  args.option("config", "FILE.json", "training config (see configs/train/); optional with --resume")
      .option("resume", "PATH", "continue a run: its directory or its checkpoint.safetensors")
      .option("init", "MODEL",
              "start from a model's weights (ours, HuggingFace, official .pth) of the config's "
              "architecture instead of random ones: pre-train released weights on your pictures")
      .option(
          "out", "DIR",
          "output directory (default: the resumed run's, else runs/<config name>-<date>-<time>)")
      .option("steps", "N", "total optimizer steps, overriding the config's total_steps / epochs")
      .option("batch-size", "B",
              "images a step in each process, overriding the config's batch_size (with --nproc N "
              "a step takes N x B and the lr follows)")
      .range(1, 65536) // the config's own bound
      .option("tensorboard", "on|off",
              "also write TensorBoard event files (events.out.tfevents.*) beside metrics.jsonl "
              "(default: on; resumed, as the run did)")
      .flag("quiet", "no progress display (messages and the summary only)")
      .flag("force",
            "start a new run in an output directory that holds one (or files a run writes), "
            "replacing it, or that holds other files");
  add_dist_options(args, "train");
  if (!parse_command(args, argc, argv))
    return 0;
  check_dist_options(args);
  if (!args.has("config") && !args.has("resume"))
    throw UsageError("give --config FILE.json (or --resume PATH)");

  const RunPlan plan = [&] {
    try {
      return plan_run(run_request(args), std::time(nullptr));
    } catch (const RunFolderInUse& e) {
      throw UsageError(std::string(e.what()) + how_to_go_on(e));
    }
  }();
  TrainOptions options = plan.options;
  options.probe_threads = threads_automatic();
  options.tensorboard =
      args.has("tensorboard") ? on_off(args, "tensorboard") : !resumed_without_tensorboard(options);
  options.init = args.get_or("init", ""); // the trainer refuses it with --resume

  if (const std::optional<int> code =
          launch_if_asked(args, "train", argc, argv, {"--out"}, {"--out", options.out_dir})) {
    std::fprintf(stderr, "the ranks trained into %s\n", options.out_dir.c_str());
    return *code;
  }
  options.dist = join_dist_group(args, options.device);
  const bool silent = options.dist && options.dist->rank() != 0;

  Trainer trainer(plan.config, options);
  CliObserver observer(args.flag_set("quiet"), silent);
  catch_interrupt();
  const TrainSummary s = trainer.run(observer);
  release_interrupt();
  observer.finish();
  const int code = s.stopped_early ? kStoppedExitCode : 0;
  if (silent)
    return code;

  print_summary(s, observer, options);
  return code;
}

} // namespace mae::cli
