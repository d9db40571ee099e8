// The headless test mode: wait for loading and inference, replay --drop
// files through the drop handler, benchmark, and write the screenshot, the
// layout and the figure that the GUI tests check.
#include "app.h"

#include "figure_export.h"
#include "layout_file.h"
#include "mask_controls.h"
#include "screenshot.h"

#include "mae/atomic_file.h"
#include "mae/image_io.h"

#include <algorithm>
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

} // namespace

void App::settle() {
  const Clock::time_point start = Clock::now();
  int quiet = 0;
  while (quiet < 2 && !glfwWindowShouldClose(window_)) {
    // Sleep while the worker computes: its result wakes the loop.
    if (!worker_->idle())
      glfwWaitEventsTimeout(0.05);
    else
      glfwPollEvents();
    frame();
    present();
    const bool pending = !worker_->idle() || sent_this_frame_ || !dropped_.empty();
    quiet = pending ? 0 : quiet + 1;
    if (Clock::now() - start > std::chrono::minutes(10)) {
      std::cerr << "mae-studio: gave up waiting for loading and inference after 10 minutes\n";
      return;
    }
  }
}

void App::run_bench(int moves) {
  if (!state_.model || !state_.image) {
    std::cerr << "mae-studio: --bench-latency needs a model and an image\n";
    return;
  }
  state_.tab = Tab::Explorer;
  state_.select_tab = true;
  settle();
  state_.latency.samples.clear();
  // What a frame costs with nothing else running, for comparison.
  std::vector<double> idle_frame_ms;
  for (int i = 0; i < 30; ++i) {
    const Clock::time_point start = Clock::now();
    glfwPollEvents();
    frame();
    present();
    glFinish();
    idle_frame_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  busy_frame_ms_.clear();
  std::vector<double> inference_ms, worker_ms;
  // Frames keep coming at 60 Hz while inference runs, as during a slider drag.
  const auto frame_period = std::chrono::microseconds(16667);
  for (int i = 0; i < moves; ++i) {
    // A new ratio each time, as a slider drag would send.
    set_ratio(state_, 0.30 + 0.6 * ((i * 7) % 13) / 12.0);
    const size_t before = state_.latency.samples.size();
    const Clock::time_point give_up = Clock::now() + std::chrono::minutes(2);
    while (state_.latency.samples.size() == before && Clock::now() < give_up) {
      const Clock::time_point start = Clock::now();
      glfwPollEvents();
      const bool busy = worker_->busy();
      frame();
      present();
      glFinish();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (busy)
        busy_frame_ms_.push_back(ms);
      std::this_thread::sleep_until(start + frame_period);
    }
    if (state_.explorer.shown) {
      inference_ms.push_back(state_.explorer.shown->items.front().result.inference_ms);
      worker_ms.push_back(state_.explorer.shown->worker_ms);
    }
  }
  const auto& lat = state_.latency.samples;
  std::printf("bench-latency: model %s (%s), %s, %d ratio moves\n",
              fs::path(state_.model_path).filename().string().c_str(),
              state_.model->config.summary().c_str(), state_.model->device.c_str(), moves);
  std::printf("  request -> display: median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n",
              median(lat), percentile(lat, 0.9),
              lat.empty() ? 0.0 : *std::min_element(lat.begin(), lat.end()),
              lat.empty() ? 0.0 : *std::max_element(lat.begin(), lat.end()));
  std::printf("  model inference: median %.1f ms (worker job up to the first answer: %.1f ms)\n",
              median(inference_ms), median(worker_ms));
  std::printf("  frame time while inference runs: median %.2f ms, p90 %.2f ms, max %.2f ms over "
              "%zu frames\n",
              median(busy_frame_ms_), percentile(busy_frame_ms_, 0.9),
              busy_frame_ms_.empty()
                  ? 0.0
                  : *std::max_element(busy_frame_ms_.begin(), busy_frame_ms_.end()),
              busy_frame_ms_.size());
  std::printf("  frame time with the worker idle: median %.2f ms\n", median(idle_frame_ms));
  std::fflush(stdout);
}

void App::run_training() {
  // The Start command ran in the first frame; frames keep coming at 30 Hz, as
  // on screen, until the run ends (or reaches --train-until).
  std::vector<double> frame_ms;
  const Clock::time_point start = Clock::now();
  const auto reached_until = [&] {
    const auto& s = state_.training.snapshot;
    return options_.train_until > 0 && s && s->step >= options_.train_until;
  };
  while (training_.active() && !reached_until() && !glfwWindowShouldClose(window_)) {
    if (Clock::now() - start > std::chrono::minutes(30)) {
      std::cerr << "mae-studio: gave up waiting for the training run after 30 minutes\n";
      break;
    }
    glfwWaitEventsTimeout(1.0 / 30);
    const Clock::time_point t0 = Clock::now();
    frame();
    present();
    glFinish();
    frame_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  training_.poll(state_); // the state the loop stopped on, not the last frame's
  if (const auto& s = state_.training.snapshot)
    std::printf("training: %s at step %lld of %lld after %.1f s\n", to_string(s->state),
                static_cast<long long>(s->step), static_cast<long long>(s->total_steps),
                std::chrono::duration<double>(Clock::now() - start).count());
  std::printf("  frame time while training: median %.2f ms, p90 %.2f ms, max %.2f ms over %zu "
              "frames\n",
              median(frame_ms), percentile(frame_ms, 0.9),
              frame_ms.empty() ? 0.0 : *std::max_element(frame_ms.begin(), frame_ms.end()),
              frame_ms.size());
  std::fflush(stdout);
  if (!options_.train_csv.empty())
    state_.commands.push_back({Command::Kind::ExportCurves, options_.train_csv, ""});
  if (options_.train_explore)
    state_.commands.push_back({Command::Kind::OpenInExplorer, "", ""});
  // Run the commands; then wait for the export, which settle() loads.
  glfwPollEvents();
  frame();
  present();
  const Clock::time_point asked = Clock::now();
  while (!state_.training.exporting_model.empty() &&
         Clock::now() - asked < std::chrono::minutes(5)) {
    glfwWaitEventsTimeout(1.0 / 30);
    frame();
    present();
  }
}

void App::close_mid_run() {
  const Clock::time_point start = Clock::now();
  glfwSetWindowShouldClose(window_, GLFW_TRUE);
  while (!should_close() && Clock::now() - start < std::chrono::minutes(10)) {
    glfwWaitEventsTimeout(1.0 / 30);
    frame();
    present();
  }
  training_.poll(state_);
  const auto& s = state_.training.snapshot;
  std::printf("closed mid-run: %s at step %lld, %.1f s after the window was closed\n",
              to_string(s->state), static_cast<long long>(s->step),
              std::chrono::duration<double>(Clock::now() - start).count());
  std::fflush(stdout);
}

int App::run_headless() {
  settle();
  // One file at a time, as a user would drop them.
  for (const std::string& path : options_.drops) {
    dropped_.push_back(path);
    settle();
  }
  if (options_.bench_latency > 0)
    run_bench(options_.bench_latency);
  if (options_.training())
    run_training();
  settle();
  int fb_w = 0, fb_h = 0;
  for (int i = 0; i < options_.frames; ++i) {
    glfwPollEvents();
    frame();
    if (i + 1 == options_.frames && !options_.screenshot.empty()) {
      glfwGetFramebufferSize(window_, &fb_w, &fb_h);
      const Image shot = read_back_buffer(fb_w, fb_h);
      write_png(options_.screenshot, shot);
    }
    present();
  }
  if (!options_.layout.empty()) {
    glfwGetFramebufferSize(window_, &fb_w, &fb_h);
    const std::string text = layout_json(state_, fb_w, fb_h);
    write_file_atomic(options_.layout, text.data(), text.size());
  }
  if (!options_.export_figure.empty())
    write_png(options_.export_figure, current_figure(state_));
  if (training_.active())
    close_mid_run();
  for (const ErrorMessage& e : state_.errors)
    std::cerr << "mae-studio: " << e.title << ": " << e.message << "\n";
  return 0;
}

} // namespace mae::studio
