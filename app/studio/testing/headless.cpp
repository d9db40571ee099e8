#include "testing/headless.h"

#include "app.h"
#include "dialogs/dialogs.h"
#include "figure_export.h"
#include "gl/gl.h"
#include "mask_controls.h"
#include "testing/layout_file.h"
#include "testing/screenshot.h"

#include "base/errors.h"
#include "data/image_io.h"
#include "formats/atomic_file.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// "  frame time while training: median 4.10 ms, p90 ..., max ... over 87 frames"
void print_frame_times(const char* during, const std::vector<double>& frame_ms) {
  std::printf("  frame time while %s: median %.2f ms, p90 %.2f ms, max %.2f ms over %zu frames\n",
              during, median(frame_ms), percentile(frame_ms, 0.9),
              frame_ms.empty() ? 0.0 : *std::max_element(frame_ms.begin(), frame_ms.end()),
              frame_ms.size());
}

// A --keys name as GLFW's key code, with the modifier held around it (0: none).
struct KeyPress {
  int key = 0, modifier = 0;
};

KeyPress key_press(const std::string& text) {
  KeyPress k;
  std::string name = text;
  for (const auto& [prefix, code] :
       {std::pair{"Shift+", GLFW_KEY_LEFT_SHIFT}, std::pair{"Ctrl+", GLFW_KEY_LEFT_CONTROL}})
    if (name.rfind(prefix, 0) == 0) {
      k.modifier = code;
      name = name.substr(std::string(prefix).size());
    }
  const std::pair<const char*, int> named[] = {
      {"Left", GLFW_KEY_LEFT},   {"Right", GLFW_KEY_RIGHT},    {"Up", GLFW_KEY_UP},
      {"Down", GLFW_KEY_DOWN},   {"PageUp", GLFW_KEY_PAGE_UP}, {"PageDown", GLFW_KEY_PAGE_DOWN},
      {"Space", GLFW_KEY_SPACE}, {"Escape", GLFW_KEY_ESCAPE},  {"F1", GLFW_KEY_F1},
      {"F5", GLFW_KEY_F5},       {"Plus", GLFW_KEY_EQUAL},     {"Minus", GLFW_KEY_MINUS}};
  for (const auto& [n, code] : named)
    if (name == n)
      k.key = code;
  if (name.size() == 1 && std::isalnum(static_cast<unsigned char>(name[0])))
    k.key = std::toupper(static_cast<unsigned char>(name[0])); // GLFW's codes are ASCII
  if (k.key == 0)
    throw UsageError("--keys: unknown key '" + text + "' (see mae-studio --help)");
  return k;
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

class HeadlessRun {
public:
  HeadlessRun(App& app, const CliOptions& options) : app_(app), options_(options) {}
  int run();

private:
  void settle(); // frames until loading and inference are done
  void run_bench(int moves);
  void run_training();   // --train: wait for the run, then --train-csv / --train-explore
  void report_watch();   // --watch-run: what the followed run shows, then --train-csv
  void close_mid_run();  // --train-until: close the window as a user would, timing the stop
  void wait_for_sweep(); // --sweep-run: frames at 30 Hz until the sweep ends
  void run_fetch();      // --fetch: Get models..., Get, frames until it ends
  void open_dialog(const std::string& name); // --dialog: as its menu item or button would
  void press_keys();                         // --keys: each down for a frame, then up for one
  void frame() {
    app_.frame();
    app_.present();
  }

  App& app_;
  const CliOptions& options_;
};

void HeadlessRun::settle() {
  const Clock::time_point start = Clock::now();
  int quiet = 0;
  while (quiet < 2 && !app_.window_closed()) {
    // Sleep while the worker computes: its result wakes the loop.
    app_.wait_events(app_.worker_idle() ? 0 : 0.05);
    frame();
    const bool pending = !app_.worker_idle() || app_.frame_pending();
    quiet = pending ? 0 : quiet + 1;
    if (Clock::now() - start > std::chrono::minutes(10)) {
      std::cerr << "mae-studio: gave up waiting for loading and inference after 10 minutes\n";
      return;
    }
  }
}

void HeadlessRun::run_bench(int moves) {
  UiState& st = app_.state();
  if (!st.model || !st.image) {
    std::cerr << "mae-studio: --bench-latency needs a model and an image\n";
    return;
  }
  // The Explorer, or the How-it-works tab when it is the one shown (its
  // requests also trace the stages).
  st.show_tab(st.tab == Tab::HowItWorks ? Tab::HowItWorks : Tab::Explorer);
  settle();
  st.latency.samples.clear();
  // What a frame costs with nothing else running, for comparison.
  std::vector<double> idle_frame_ms;
  for (int i = 0; i < 30; ++i) {
    const Clock::time_point start = Clock::now();
    app_.wait_events(0);
    frame();
    glFinish();
    idle_frame_ms.push_back(ms_since(start));
  }
  std::vector<double> busy_frame_ms;
  std::vector<double> inference_ms, worker_ms, trace_ms;
  // Frames keep coming at 60 Hz while inference runs, as during a slider drag.
  const auto frame_period = std::chrono::microseconds(16667);
  for (int i = 0; i < moves; ++i) {
    // A new ratio each time, as a slider drag would send.
    set_ratio(st, 0.30 + 0.6 * ((i * 7) % 13) / 12.0);
    const size_t before = st.latency.samples.size();
    const Clock::time_point give_up = Clock::now() + std::chrono::minutes(2);
    while (st.latency.samples.size() == before && Clock::now() < give_up) {
      const Clock::time_point start = Clock::now();
      app_.wait_events(0);
      const bool busy = app_.worker_busy();
      frame();
      glFinish();
      const double ms = ms_since(start);
      if (busy)
        busy_frame_ms.push_back(ms);
      std::this_thread::sleep_until(start + frame_period);
    }
    if (st.explorer.shown) {
      inference_ms.push_back(st.explorer.shown->items.front().result.inference_ms);
      trace_ms.push_back(st.explorer.shown->items.front().result.trace_ms);
      worker_ms.push_back(st.explorer.shown->worker_ms);
    }
  }
  const auto& lat = st.latency.samples;
  std::printf("bench-latency: model %s (%s), %s, %d ratio moves\n",
              fs::path(st.model_path).filename().string().c_str(),
              st.model->config.summary().c_str(), st.model->device.c_str(), moves);
  std::printf("  request -> display: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n",
              median(lat), percentile(lat, 0.9),
              lat.empty() ? 0.0 : *std::min_element(lat.begin(), lat.end()),
              lat.empty() ? 0.0 : *std::max_element(lat.begin(), lat.end()));
  std::printf("  model inference: median %.1f ms (worker job up to the first answer: %.1f ms)\n",
              median(inference_ms), median(worker_ms));
  if (st.tab == Tab::HowItWorks)
    std::printf("  of which tracing the How-it-works stages: median %.1f ms\n", median(trace_ms));
  std::printf("  frame time while inference runs: median %.2f ms, p90 %.2f ms, max %.2f ms over "
              "%zu frames\n",
              median(busy_frame_ms), percentile(busy_frame_ms, 0.9),
              busy_frame_ms.empty() ? 0.0
                                    : *std::max_element(busy_frame_ms.begin(), busy_frame_ms.end()),
              busy_frame_ms.size());
  std::printf("  frame time with the worker idle: median %.2f ms\n", median(idle_frame_ms));
  std::fflush(stdout);
}

void HeadlessRun::wait_for_sweep() {
  const Clock::time_point start = Clock::now();
  while (app_.sweep_active() && !app_.window_closed()) {
    if (Clock::now() - start > std::chrono::minutes(30)) {
      std::cerr << "mae-studio: gave up waiting for the sweep after 30 minutes\n";
      break;
    }
    app_.wait_events(1.0 / 30);
    frame();
  }
  frame(); // the snapshot the sweep ended on
}

void HeadlessRun::press_keys() {
  std::vector<KeyPress> presses;
  for (const std::string& name : options_.keys) // all checked before the first is pressed
    presses.push_back(key_press(name));
  for (const KeyPress& k : presses) {
    for (const bool down : {true, false}) {
      if (k.modifier && down)
        app_.key_event(k.modifier, true);
      app_.key_event(k.key, down);
      if (k.modifier && !down)
        app_.key_event(k.modifier, false);
      frame();
    }
    settle();
  }
}

void HeadlessRun::open_dialog(const std::string& name) {
  UiState& st = app_.state();
  if (name == "help")
    st.show_help = true;
  else if (name == "details")
    st.show_model_details = true;
  else if (name == "open")
    open_file_browser(st, FileBrowserState::Mode::Open);
  else if (name == "get-models")
    st.commands.push_back({Command::Kind::OpenGetModels, "", ""});
}

void HeadlessRun::run_fetch() {
  UiState& st = app_.state();
  st.commands.push_back({Command::Kind::OpenGetModels, "", ""});
  st.commands.push_back({Command::Kind::FetchModel, options_.fetch, ""});
  frame();
  const Clock::time_point start = Clock::now();
  while (app_.fetch_running() && Clock::now() - start < std::chrono::minutes(30)) {
    app_.wait_events(1.0 / 30);
    frame();
  }
  frame(); // the last status
  const FetchStatus& s = st.get_models.status;
  std::printf("fetch %s: %s %s\n", s.name.c_str(), to_string(s.state),
              s.state == FetchStatus::State::Done ? s.path.c_str() : s.error.c_str());
  std::fflush(stdout);
  settle(); // the fetched model loads and reconstructs
}

void HeadlessRun::report_watch() {
  // The follower reads the folder on its thread, a long metrics file a chunk
  // at a time, while frames come at 30 Hz as on screen.
  const Clock::time_point start = Clock::now();
  std::vector<double> frame_ms;
  do {
    const Clock::time_point t0 = Clock::now();
    frame();
    glFinish();
    frame_ms.push_back(ms_since(t0));
    app_.wait_events(1.0 / 30);
  } while (!app_.training().watch_caught_up() && Clock::now() - start < std::chrono::minutes(2));
  frame(); // the last news
  const UiState& st = app_.state();
  if (const auto& s = st.training.snapshot)
    std::printf("following: %s, step %lld of %lld, %zu loss points, read in %.1f s: %s\n",
                to_string(s->state), static_cast<long long>(s->step),
                static_cast<long long>(s->total_steps), s->loss.size(),
                std::chrono::duration<double>(Clock::now() - start).count(), s->message.c_str());
  print_frame_times("reading the run", frame_ms);
  std::fflush(stdout);
  if (!options_.train_csv.empty())
    app_.state().commands.push_back({Command::Kind::ExportCurves, options_.train_csv, ""});
}

void HeadlessRun::run_training() {
  // The Start command ran in the first frame; frames keep coming at 30 Hz, as
  // on screen, until the run ends (or reaches --train-until).
  UiState& st = app_.state();
  TrainingController& training = app_.training();
  std::vector<double> frame_ms;
  const Clock::time_point start = Clock::now();
  const auto reached_until = [&] {
    const auto& s = st.training.snapshot;
    return options_.train_until > 0 && s && s->step >= options_.train_until;
  };
  while (training.active() && !reached_until() && !app_.window_closed()) {
    if (Clock::now() - start > std::chrono::minutes(30)) {
      std::cerr << "mae-studio: gave up waiting for the training run after 30 minutes\n";
      break;
    }
    app_.wait_events(1.0 / 30);
    const Clock::time_point t0 = Clock::now();
    frame();
    glFinish();
    frame_ms.push_back(ms_since(t0));
  }
  training.poll(st); // the state the loop stopped on, not the last frame's
  if (const auto& s = st.training.snapshot)
    std::printf("training: %s at step %lld of %lld after %.1f s\n", to_string(s->state),
                static_cast<long long>(s->step), static_cast<long long>(s->total_steps),
                std::chrono::duration<double>(Clock::now() - start).count());
  print_frame_times("training", frame_ms);
  std::fflush(stdout);
  if (!options_.train_csv.empty())
    st.commands.push_back({Command::Kind::ExportCurves, options_.train_csv, ""});
  if (options_.train_explore)
    st.commands.push_back({Command::Kind::OpenInExplorer, "", ""});
  // Run the commands; then wait for the export, which settle() loads.
  app_.wait_events(0);
  frame();
  const Clock::time_point asked = Clock::now();
  while (!st.training.exporting_model.empty() && Clock::now() - asked < std::chrono::minutes(5)) {
    app_.wait_events(1.0 / 30);
    frame();
  }
}

void HeadlessRun::close_mid_run() {
  const Clock::time_point start = Clock::now();
  app_.request_close();
  while (!app_.should_close() && Clock::now() - start < std::chrono::minutes(10)) {
    app_.wait_events(1.0 / 30);
    frame();
  }
  app_.training().poll(app_.state());
  const auto& s = app_.state().training.snapshot;
  std::printf("closed mid-run: %s at step %lld, %.1f s after the window was closed\n",
              to_string(s->state), static_cast<long long>(s->step),
              std::chrono::duration<double>(Clock::now() - start).count());
  std::fflush(stdout);
}

int HeadlessRun::run() {
  settle();
  // One file at a time, as a user would drop them.
  for (const std::string& path : options_.drops) {
    app_.drop(path);
    settle();
  }
  if (!options_.fetch.empty())
    run_fetch();
  if (!options_.dialog.empty())
    open_dialog(options_.dialog);
  if (!options_.keys.empty())
    press_keys();
  if (!options_.paint.empty()) {
    UiState& st = app_.state();
    start_custom_mask(st, shown_mask(st));
    for (int patch : options_.paint)
      if (patch >= 0 && static_cast<size_t>(patch) < st.mask.custom.size())
        paint_patch(st, patch, st.mask.custom[static_cast<size_t>(patch)] == 0);
    settle();
  }
  if (!options_.save_view.empty())
    app_.state().commands.push_back({Command::Kind::SaveView, options_.save_view, ""});
  if (!options_.export_sweep.empty()) {
    app_.state().commands.push_back({Command::Kind::ExportSweep, options_.export_sweep, ""});
    settle();
  }
  if (options_.bench_latency > 0)
    run_bench(options_.bench_latency);
  if (options_.training())
    run_training();
  if (!options_.watch_run.empty())
    report_watch();
  if (options_.sweep_run)
    wait_for_sweep();
  settle();
  int fb_w = 0, fb_h = 0;
  for (int i = 0; i < options_.frames; ++i) {
    app_.wait_events(0);
    app_.frame();
    if (i + 1 == options_.frames && !options_.screenshot.empty()) {
      app_.framebuffer_size(fb_w, fb_h);
      write_png(options_.screenshot, read_back_buffer(fb_w, fb_h));
    }
    app_.present();
  }
  if (!options_.layout.empty()) {
    app_.framebuffer_size(fb_w, fb_h);
    const std::string text = layout_json(app_.state(), fb_w, fb_h);
    write_file_atomic(options_.layout, text.data(), text.size());
  }
  if (!options_.export_figure.empty())
    write_png(options_.export_figure, current_figure(app_.state()));
  if (app_.training().active())
    close_mid_run();
  for (const ErrorMessage& e : app_.state().errors)
    std::cerr << "mae-studio: " << e.title << ": " << e.message << "\n";
  return 0;
}

} // namespace

int run_headless(App& app, const CliOptions& options) {
  return HeadlessRun(app, options).run();
}

} // namespace mae::studio
