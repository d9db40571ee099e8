#include "commands.h"
#include "common.h"

#include "base/errors.h"
#include "data/image_io.h"
#include "dist/local_launch.h" // kStoppedExitCode
#include "runtime/assets.h"
#include "train/progress_bar.h"
#include "train/sweep_plot.h"
#include "train/sweep_runner.h"
#include "train/train_config.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace mae::cli {
namespace {
namespace fs = std::filesystem;

void print_table(const SweepConfig& sweep, const std::vector<SweepRunResult>& results) {
  std::printf("%-36s", "run");
  for (const auto& e : sweep.evaluations)
    std::printf(" %12s", e.c_str());
  std::printf(" %10s\n", "loss");
  for (const auto& r : results) {
    std::printf("%-36s", r.id.c_str());
    for (const auto& e : sweep.evaluations) {
      const auto v = e == "knn" ? r.knn : e == "linear_probe" ? r.linear_probe : r.finetune;
      if (v)
        std::printf(" %11.2f%%", 100 * *v);
      else
        std::printf(" %12s", "-");
    }
    if (r.final_loss)
      std::printf(" %10.4f\n", *r.final_loss);
    else
      std::printf(" %10s\n", "-");
  }
}

// The sweep file, with --steps replacing every run's length and --quick
// shrinking its evaluations.
SweepConfig sweep_from(const Args& args, const std::string& file) {
  SweepConfig sweep = load_sweep(file);
  if (args.has("steps")) {
    const long long steps = args.get_int("steps");
    if (steps <= 0 || steps > kMaxTrainSteps)
      throw UsageError("--steps must be in [1, 2^40]");
    // Each run's own length would win over it, silently.
    for (const SweepAxis& axis : sweep.axes)
      if (axis.field == "total_steps" || axis.field == "epochs")
        throw UsageError("--steps: this sweep varies the runs' length itself (its axis " +
                         axis.field + "); shorten its values in " + file + " instead");
    sweep.overrides["total_steps"] = steps;
    sweep.overrides["epochs"] = 0;
  }
  if (args.flag_set("quick"))
    make_quick(sweep, fs::path(file).parent_path().string());
  return sweep;
}

void print_dry_run(const SweepConfig& sweep, const std::vector<SweepRun>& runs) {
  std::printf("%s: %zu runs, evaluated by", sweep.name.c_str(), runs.size());
  for (const auto& e : sweep.evaluations)
    std::printf(" %s", e.c_str());
  std::printf("\n");
  for (const auto& r : runs)
    std::printf("  %-36s %lld steps\n", r.id.c_str(), static_cast<long long>(r.config.total_steps));
}

// The shipped sweeps, each with its runs and title.
void print_list() {
  const fs::path folder = fs::path(config_dir()) / "sweeps";
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json")
      files.push_back(it->path());
  std::sort(files.begin(), files.end());
  std::printf("the paper's ablations on Fashion-MNIST, in %s (run one: mae sweep NAME):\n",
              folder.c_str());
  for (const fs::path& file : files)
    try {
      const SweepConfig sweep = load_sweep(file.string());
      const auto runs = expand_sweep(sweep, folder.string());
      std::printf("  %-24s %zu runs  %s\n", file.stem().c_str(), runs.size(), sweep.title.c_str());
    } catch (const Error&) { // paper_ablations.json: the paper's tables, no sweep
    }
}

// A sweep file, or the name of a shipped one ("fig5_mask_ratio").
std::string sweep_file(const std::string& given) {
  std::error_code ec;
  if (fs::exists(given, ec) || given.find('/') != std::string::npos)
    return given;
  const fs::path shipped = fs::path(config_dir()) / "sweeps" / (given + ".json");
  return fs::is_regular_file(shipped, ec) ? shipped.string() : given;
}

} // namespace

int run_sweep(int argc, const char* const* argv) {
  Args args("sweep",
            "Run an ablation: a base training config over the values of one or two fields (see\n"
            "configs/sweeps/), each run followed by its evaluations (k-NN, linear probe,\n"
            "fine-tuning). Writes runs/, results.jsonl, results.csv and plot.png to the output\n"
            "folder. Ctrl-C stops at a checkpoint; the same command again keeps the finished\n"
            "runs and resumes the unfinished one.");
  args.positional("SWEEP",
                  "the sweep file, e.g. configs/sweeps/fig5_mask_ratio.json, or a shipped\n"
                  "sweep's name (fig5_mask_ratio; see --list)",
                  false)
      .option("out", "DIR", "output folder (default: runs/sweeps/<name>; running again resumes)")
      .option("steps", "N", "pre-training steps of every run, overriding the sweep's")
      .flag("quick",
            "evaluate on a fifth of the images (k-NN 1,000 + 500, linear probe 2,000 + 1,000 in\n"
            "batches of 256, fine-tuning 2,000 + 1,000 for 1 epoch): with --steps 50, a run in\n"
            "about half a minute on 2 cores; into runs/sweeps/<name>-quick by default")
      .repeated_option("reuse", "DIR",
                       "another sweep folder (repeatable): a finished run there with the same\n"
                       "config and evaluations is copied, not trained again (most sweeps share\n"
                       "their baseline run)")
      .flag("dry-run", "list the runs and their settings, and run nothing")
      .flag("list", "list the shipped sweeps")
      .flag("force", "start over in a folder that holds another sweep (or other files)")
      .flag("reevaluate", "in a folder whose sweep differs only in its evaluations (evaluations,\n"
                          "linear_probe, finetune): keep the trained runs and measure them again")
      .flag("quiet", "no progress display (messages and the table only)");
  if (!parse_command(args, argc, argv))
    return 0;
  if (args.flag_set("list")) {
    print_list();
    return 0;
  }
  if (!args.has("SWEEP")) {
    print_list();
    throw UsageError("give a sweep: a file or one of the names above");
  }
  const std::string file = sweep_file(args.get("SWEEP"));
  const SweepConfig sweep = sweep_from(args, file);
  const std::string dir = fs::path(file).parent_path().string();
  const std::vector<SweepRun> runs = expand_sweep(sweep, dir);
  if (args.flag_set("dry-run")) {
    print_dry_run(sweep, runs);
    return 0;
  }
  SweepOptions o;
  o.out_dir = args.get_or("out", default_sweep_dir(sweep, args.flag_set("quick")));
  refuse_overwriting_inputs("--out", o.out_dir, {file});
  o.device = args.get("device");
  o.force = args.flag_set("force");
  o.reevaluate = args.flag_set("reevaluate");
  for (const std::string& folder : args.get_all("reuse")) {
    if (!fs::is_regular_file(fs::path(folder) / "sweep.json"))
      throw UsageError("--reuse " + folder + ": not a sweep folder (it has no sweep.json)");
    o.reuse.push_back(folder);
  }
  ProgressBar bar(stderr, ProgressBar::stderr_is_tty());
  const bool quiet = args.flag_set("quiet");
  o.log = [&](const std::string& line) { bar.message(line); };
  o.on_stage = [&](const SweepRun& run, const std::string& stage) {
    bar.message("run " + std::to_string(run.index + 1) + "/" + std::to_string(runs.size()) + " " +
                run.id + ": " + stage);
  };
  o.progress = [&](const SweepRun&, const TrainProgress& p) {
    if (!quiet)
      bar.update(p);
  };
  std::string counting; // what o.count counts now, and since when
  auto counting_since = std::chrono::steady_clock::now();
  o.count = [&](const SweepRun&, const std::string& what, size_t done, size_t total) {
    if (quiet)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (what != counting) {
      counting = what;
      counting_since = now;
    }
    const double s = std::chrono::duration<double>(now - counting_since).count();
    bar.show(count_progress_text(what, done, total, s, bar.tty() ? 24 : 0), done == total);
  };
  const std::vector<ReferenceSeries> reference = read_reference(sweep, dir);
  const std::string plot = (fs::path(o.out_dir) / "plot.png").string();
  o.on_result = [&](const std::vector<SweepRunResult>& results) {
    write_png(plot, plot_sweep(sweep, results, reference));
  };
  o.keep_going = [] { return !interrupted(); };
  catch_interrupt();
  const SweepSummary s = run_sweep(sweep, dir, o);
  release_interrupt();
  bar.finish();
  if (!s.results.empty()) {
    write_png(plot, plot_sweep(sweep, s.results, reference));
    print_table(sweep, s.results);
  }
  if (s.stopped)
    std::printf("stopped: %d of %d runs finished; continue with the same command\n", s.finished,
                s.runs);
  else
    std::printf("%d runs finished (%d now)\n", s.finished, s.ran_now);
  // results.csv and plot.png are written once a run has finished.
  if (!s.results.empty())
    std::printf("results: %s/results.csv\nplot:    %s\n", o.out_dir.c_str(), plot.c_str());
  else
    std::printf("no run has finished yet: results.csv and plot.png come with the first\n");
  return s.stopped ? kStoppedExitCode : 0;
}

} // namespace mae::cli
