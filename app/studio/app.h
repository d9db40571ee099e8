// The window and its frame loop: the UI thread. It owns the GL context and
// ImGui, feeds the inference worker with requests and shows its results.
#pragma once

#include "cli_options.h"
#include "gl.h"
#include "image_renderer.h"
#include "inference_worker.h"
#include "preview_textures.h"
#include "result_textures.h"
#include "training_controller.h"
#include "ui_state.h"

#include <memory>
#include <string>
#include <vector>

namespace mae::studio {

// "File: <path>", the reason without repeating the path, and what is kept
// (`kind` "model", "image", ...: "Keeping the current model, x.safetensors.").
std::string failure_text(const std::string& path, const std::string& reason, const char* kind,
                         const std::string& kept);

class App {
public:
  // Opens the window (throws Error when there is no display or no GL 3.3).
  explicit App(const CliOptions& options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Until the window closes, or once the headless run is done. Returns the exit code.
  int run();

private:
  void init_window();
  void init_imgui();
  void start_loading();

  void frame();   // events in, UI built and drawn into the back buffer
  void present(); // swap; time the update that just reached the screen
  void draw_main_window();
  void handle_worker_events();
  void run_commands();
  void open_path(const std::string& path);
  void export_figure(const std::string& path);
  void send_requests();

  // The Training tab (app_training.cpp).
  void init_training_form();
  void choose_train_config(const std::string& path);
  void run_training_command(Command::Kind kind);
  void export_curves(const std::string& path);
  bool should_close(); // closing mid-run first stops the run, keeping frames coming

  void wait_for_events(); // sleeps unless something on screen moves
  int run_interactive();
  int run_headless();
  void settle(); // frames until loading and inference are done
  void run_bench(int moves);
  void run_training();  // --train: wait for the run, then --train-csv / --train-explore
  void close_mid_run(); // --train-until: close the window as a user would, timing the stop

  CliOptions options_;
  GLFWwindow* window_ = nullptr;
  bool imgui_ready_ = false;
  UiState state_;
  std::unique_ptr<InferenceWorker> worker_;
  TrainingController training_; // its destructor stops a run with a checkpoint
  std::unique_ptr<ImageRenderer> renderer_;
  ResultTextures explorer_textures_, compare_textures_;
  Texture preview_;
  PreviewTextures training_previews_;
  const Image* preview_uploaded_ = nullptr;
  std::string startup_model_;

  std::vector<std::string> dropped_; // from GLFW's drop callback, handled next frame
  bool rescale_ = false;             // the window moved to a screen with another scale
  bool sent_this_frame_ = false;
  int extra_frames_ = 0;
  Clock::time_point last_frame_start_;
  std::vector<double> busy_frame_ms_; // --bench-latency: frame times while inference ran
};

} // namespace mae::studio
