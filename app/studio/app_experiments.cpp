// The App's side of the Experiments tab: the sweeps on offer, the chosen
// one's runs, the SweepSession that runs it, and the figure of its results.
#include "app.h"
#include "failure_text.h"

#include "workers/training_setup.h"

#include "base/errors.h"
#include "train/metrics_log.h"
#include "train/metrics_plot.h"
#include "train/sweep_plot.h"
#include "train/trainer.h"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;

namespace {

std::string sweep_configs_dir() {
  return (fs::path(train_configs_dir()).parent_path() / "sweeps").lexically_normal().string();
}

// The sweep files of a folder, sorted; the paper's table is data, not a sweep.
std::vector<std::string> find_sweeps(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json" && e.path().filename() != "paper_ablations.json")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

void App::init_experiments() {
  ExperimentsUi& ex = state_.experiments;
  ex.sweeps = find_sweeps(sweep_configs_dir());
  ex.quick = options_.sweep_quick;
  if (!options_.sweep.empty()) {
    choose_sweep(options_.sweep);
    state_.tab = Tab::Experiments;
    if (options_.sweep_run)
      state_.commands.push_back({Command::Kind::StartSweep, "", ""});
  } else if (!ex.sweeps.empty()) {
    choose_sweep(ex.sweeps.front());
  }
}

void App::choose_sweep(const std::string& path) {
  ExperimentsUi& ex = state_.experiments;
  if (sweep_session_) {
    const SweepState s = sweep_session_->snapshot()->state;
    if (s == SweepState::Running || s == SweepState::Paused || s == SweepState::Idle) {
      state_.errors.push_back(
          {"A sweep is running", "Stop it before choosing another: Stop keeps what it has done."});
      return;
    }
    sweep_session_.reset();
  }
  if (std::find(ex.sweeps.begin(), ex.sweeps.end(), path) == ex.sweeps.end())
    ex.sweeps.push_back(path);
  ex.path = path;
  ex.selected = -1;
  ex.show_curves = false;
  ex.snapshot.reset();
  ++ex.plot_version;
  try {
    const std::string dir = fs::path(path).parent_path().string();
    SweepConfig sweep = load_sweep(path);
    const std::string full_title = sweep.title;
    if (ex.quick)
      make_quick(sweep, dir);
    ex.runs = expand_sweep(sweep, dir);
    ex.sweep = std::make_shared<const SweepConfig>(std::move(sweep));
    // --sweep-out is the folder of the sweep asked for, as asked for.
    ex.out_dir =
        !options_.sweep_out.empty() && path == options_.sweep && ex.quick == options_.sweep_quick
            ? options_.sweep_out
            : default_sweep_dir(*ex.sweep, ex.quick);
    // A sweep run before (here or with `mae sweep`) shows what it has; else
    // the results shipped beside the docs (docs/ablations/<name>/), if any.
    ex.results = read_sweep_results(ex.out_dir);
    ex.results_from = ex.out_dir;
    const fs::path shipped =
        fs::path(path).parent_path() / ".." / ".." / "docs" / "ablations" / ex.sweep->name;
    if (ex.results.empty()) {
      ex.results = read_sweep_results(shipped.string());
      if (!ex.results.empty())
        ex.results_from = shipped.lexically_normal().string();
    }
    ex.title = ex.quick && ex.results_from != ex.out_dir
                   ? full_title + " (shipped results, full evaluations)"
                   : ex.sweep->title;
  } catch (const Error& e) {
    ex.sweep.reset();
    ex.title.clear();
    ex.runs.clear();
    ex.results.clear();
    state_.errors.push_back({"Cannot read the sweep", failure_text(path, e.what(), "sweep", "")});
  }
}

void App::run_sweep_command(Command::Kind kind) {
  ExperimentsUi& ex = state_.experiments;
  switch (kind) {
  case Command::Kind::StartSweep: {
    if (!ex.sweep)
      return;
    if (sweep_session_) {
      const SweepState s = sweep_session_->snapshot()->state;
      if (s == SweepState::Running || s == SweepState::Paused || s == SweepState::Idle)
        return;
    }
    SweepOptions o;
    o.out_dir = ex.out_dir;
    o.device = options_.device;
    o.reuse = sibling_sweeps(ex.out_dir); // the baseline most sweeps share runs once
    sweep_session_.reset(); // a finished or stopped one: Start continues from its folder
    if (ex.results_from != ex.out_dir) { // the shipped results give way to this machine's
      ex.results.clear();
      ex.results_from = ex.out_dir;
      ex.title = ex.sweep->title;
      ++ex.plot_version;
    }
    sweep_session_ = std::make_unique<SweepSession>(
        *ex.sweep, fs::path(ex.path).parent_path().string(), o, [] { glfwPostEmptyEvent(); });
    sweep_session_->start();
    state_.status = "running the sweep " + ex.sweep->name + " into " + ex.out_dir;
    break;
  }
  case Command::Kind::PauseSweep:
    if (sweep_session_)
      sweep_session_->pause();
    break;
  case Command::Kind::ResumeSweep:
    if (sweep_session_)
      sweep_session_->resume();
    break;
  case Command::Kind::StopSweep:
    if (sweep_session_)
      sweep_session_->stop();
    break;
  default:
    break;
  }
}

void App::poll_sweep() {
  ExperimentsUi& ex = state_.experiments;
  if (!sweep_session_)
    return;
  auto snapshot = sweep_session_->snapshot();
  if (snapshot == ex.snapshot)
    return;
  const bool failed_now = snapshot->state == SweepState::Failed &&
                          (!ex.snapshot || ex.snapshot->state != SweepState::Failed);
  // The first snapshot, before the worker has read the folder, has no results yet.
  if (!snapshot->results.empty() && snapshot->results.size() != ex.results.size()) {
    ex.results = snapshot->results;
    ++ex.plot_version;
  }
  ex.snapshot = std::move(snapshot);
  if (failed_now)
    state_.errors.push_back(
        {"The sweep stopped", "Sweep: " + ex.path + "\n\n" + ex.snapshot->error});
}

bool App::sweep_active() const {
  if (!sweep_session_)
    return false;
  const SweepState s = sweep_session_->snapshot()->state;
  return s == SweepState::Running || s == SweepState::Paused || s == SweepState::Idle;
}

void App::sync_sweep_plot() {
  ExperimentsUi& ex = state_.experiments;
  if (ex.plot_version == sweep_plot_version_)
    return;
  sweep_plot_version_ = ex.plot_version;
  ex.plot_error.clear();
  if (!ex.sweep) {
    sweep_plot_ = Texture();
    return;
  }
  try {
    if (ex.show_curves && ex.selected >= 0 && ex.selected < static_cast<int>(ex.runs.size())) {
      const SweepRun& run = ex.runs[static_cast<size_t>(ex.selected)];
      const fs::path metrics = fs::path(ex.out_dir) / "runs" / run.id / kMetricsName;
      sweep_plot_.upload(
          plot_metrics(read_metrics(metrics.string()), run.id, ex.plot_width, ex.plot_height));
    } else {
      SweepConfig shown = *ex.sweep;
      shown.title = ex.title;
      sweep_plot_.upload(plot_sweep(
          shown, ex.results, read_reference(*ex.sweep, fs::path(ex.path).parent_path().string()),
          ex.plot_width, ex.plot_height, ex.plot_text_scale));
    }
  } catch (const Error& e) {
    sweep_plot_ = Texture();
    ex.plot_error = e.what();
  }
}

} // namespace mae::studio
