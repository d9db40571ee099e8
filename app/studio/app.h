// The window and its frame loop: the UI thread. It owns the GL context and
// ImGui, feeds the inference worker with requests and shows its results.
#pragma once

#include "cli_options.h"
#include "gl/gl.h"
#include "gl/image_renderer.h"
#include "gl/preview_textures.h"
#include "gl/result_textures.h"
#include "settings.h"
#include "ui_state.h"
#include "view_state.h"
#include "workers/fetch_worker.h"
#include "workers/inference_worker.h"
#include "workers/training_controller.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mae::studio {

class App {
public:
  // Opens the window (throws Error when there is no display or no GL 3.3).
  explicit App(const CliOptions& options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Until the window closes, or once the headless run is done. Returns the exit code.
  int run();

  // The seam the headless test mode (testing/headless.h) drives the app
  // through, as polyscope's tests drive its mock backend: events, frames and
  // state, nothing of the window's internals. UI thread only.
  void wait_events(double timeout_s); // 0: poll
  void frame();                       // events in, UI built and drawn into the back buffer
  void present();                     // swap; time the update that just reached the screen
  bool worker_idle() const { return worker_->idle(); }
  bool worker_busy() const { return worker_->busy(); }
  // A request went out in the last frame, or a dropped file waits for the next.
  bool frame_pending() const {
    return sent_this_frame_ || !dropped_.empty() || state_.present.target_ratio >= 0 ||
           state_.present.requested != state_.present.slide;
  }
  void drop(const std::string& path) { dropped_.push_back(path); }
  // A key going down or up, as GLFW reports one (the headless mode's --keys).
  void key_event(int key, bool down);
  UiState& state() { return state_; }
  TrainingController& training() { return training_; }
  bool window_closed() const;
  void request_close(); // as the window's close button
  // Closing mid-run first stops the run, keeping frames coming.
  bool should_close();
  void framebuffer_size(int& width, int& height) const;

private:
  void init_window();
  void init_imgui();
  void load_user_settings();
  void save_user_settings();
  void place_window();
  float effective_scale() const;
  float text_scale() const; // the fonts' size over the UI's: larger in Present mode
  void apply_scale();
  void start_loading();
  void draw_main_window();
  void handle_worker_events();
  void run_commands();
  void run_command(const Command& c);
  void open_path(const std::string& path);
  // A .json: a lesson, a view, a training config or a sweep, each to its place.
  void open_document(const std::string& path);
  // Into the main slot or the Compare tab's second one, saying it is loading.
  void load_model(const std::string& path, const LoadOptions& options, ModelSlot slot);
  void main_model_loaded(const WorkerEvent& ev);
  void second_model_loaded(const WorkerEvent& ev);
  void export_figure(const std::string& path);
  void send_requests();
  // File > Save view / Open view (and --state): view_state.h.
  std::optional<ViewState> read_and_apply_view(const std::string& path);
  void open_view(const std::string& path);
  void load_view_files(const ViewState& v); // its model and picture, where they differ
  void save_view(const std::string& path);
  // File > Export ratio sweep: a video of the Explorer's figure, on the worker.
  void export_sweep(const std::string& path);
  void send_attention_request(); // the Attention tab's query, when it changed

  // Lessons and Present mode (app_present.cpp).
  void open_lesson(const std::string& path);
  void go_to_slide(int index);
  void set_present(bool on);
  void update_present(double dt); // steps to a requested slide, slides the ratio
  void draw_slide_header();
  void draw_lesson_bar();
  bool picture_for_model(const ModelConfig& config); // true: it opens another picture

  // The Training tab (app_training.cpp).
  void init_training_form();
  void choose_train_config(const std::string& path);
  void run_training_command(Command::Kind kind);
  void export_curves(const std::string& path);

  // The Experiments tab (app_experiments.cpp).
  void init_experiments();
  void choose_sweep(const std::string& path);
  void run_sweep_command(Command::Kind kind);
  void poll_sweep(); // the session's snapshot into the tab, each frame
  // Model > Get models... (app_fetch.cpp)
  void open_get_models(); // reads the catalog and the cache, shows the dialog
  void fetch_model_named(const std::string& name);
  void poll_fetch();      // the download's progress into the dialog; opens the result
  void sync_sweep_plot(); // the figure redrawn when its results change

public:
  bool fetch_running() const { return fetch_worker_ && fetch_worker_->running(); }
  bool sweep_active() const; // a sweep runs (or is paused): headless --sweep-run waits

private:
  void wait_for_events(); // sleeps unless something on screen moves
  int run_interactive();

  CliOptions options_;
  GLFWwindow* window_ = nullptr;
  int windowed_[4] = {0, 0, 0, 0}; // x, y, w, h before Present mode went full screen
  bool imgui_ready_ = false;
  UiState state_;
  std::unique_ptr<InferenceWorker> worker_;
  TrainingController training_; // its destructor stops a run with a checkpoint
  std::unique_ptr<ImageRenderer> renderer_;
  ResultTextures explorer_textures_, compare_textures_;
  Texture preview_;
  PreviewTextures training_previews_;
  std::unique_ptr<SweepSession> sweep_session_; // its destructor stops a run at a checkpoint
  std::unique_ptr<FetchWorker> fetch_worker_;   // started by the first Get
  Texture sweep_plot_;
  uint64_t sweep_plot_version_ = 0;
  float fonts_text_scale_ = 1.0f; // what the font atlas was built at (text_scale())
  const Image* preview_uploaded_ = nullptr;
  std::string startup_model_;

  std::vector<std::string> dropped_; // from GLFW's drop callback, handled next frame
  bool rescale_ = false;             // the window moved to a screen with another scale
  float forced_scale_ = 0;           // --ui-scale: wins over the menu and the monitor
  std::string settings_path_;        // settings.json, "" to keep nothing
  Settings settings_;                // as loaded; saved back on close
  bool sent_this_frame_ = false;
  int extra_frames_ = 0;
  Clock::time_point last_frame_start_;
};

} // namespace mae::studio
