// Everything the panels show and edit, in one place: panels are functions of
// this state (no function-local statics), and they ask the app for work by
// queueing Commands instead of calling it.
#pragma once

#include "display_options.h"
#include "image_view.h"
#include "plot/plot_axis.h"
#include "recent_files.h"
#include "workers/fetch_status.h"
#include "workers/inference_worker.h"

#include "eval/reconstructor.h"
#include "fetch/model_catalog.h"
#include "model/masking_types.h"
#include "model/model_info.h"
#include "train/run_plan.h"
#include "train/sweep_session.h"
#include "train/train_config.h"
#include "train/training_session.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mae::studio {

// The tabs of the main area; a new panel is one more entry here and in
// app.cpp's kTabs.
enum class Tab { Explorer, HowItWorks, Attention, Compare, Training, Experiments };

// "explorer", "how", "attention", "compare", "training", "experiments": in view
// files and --layout.
inline const char* tab_key(Tab t) {
  switch (t) {
  case Tab::Explorer:
    return "explorer";
  case Tab::HowItWorks:
    return "how";
  case Tab::Attention:
    return "attention";
  case Tab::Compare:
    return "compare";
  case Tab::Training:
    return "training";
  case Tab::Experiments:
    return "experiments";
  }
  return "explorer";
}

// What a tab is for, in a sentence: its tab's and its View menu item's tooltip.
inline const char* tab_summary(Tab t) {
  switch (t) {
  case Tab::Explorer:
    return "Mask a picture and watch the model fill it in: the paper's demo figure, with its "
           "error against an inpainting baseline";
  case Tab::HowItWorks:
    return "The forward pass step by step: patches, masking, the encoder on the visible patches "
           "only, the decoder, and the loss on the removed ones";
  case Tab::Attention:
    return "Where a patch looks: the model's attention weights for one layer and head, or their "
           "rollout through the layers";
  case Tab::Compare:
    return "One picture side by side: three masking ratios, three strategies, or two models";
  case Tab::Training:
    return "Pretrain a small MAE on this computer, or follow a run that another process writes";
  case Tab::Experiments:
    return "The paper's ablations re-run on Fashion-MNIST, our numbers beside the paper's";
  }
  return "";
}

// Compare: one model at three ratios or three strategies, or two models on one mask.
enum class CompareMode { Ratios, Strategies, Models };
// "ratios", "strategies", "models": in view files, figure names and --view.
inline const char* to_string(CompareMode m) {
  switch (m) {
  case CompareMode::Ratios:
    return "ratios";
  case CompareMode::Strategies:
    return "strategies";
  case CompareMode::Models:
    return "models";
  }
  return "ratios";
}

constexpr float kMinRatio = 0.05f, kMaxRatio = 0.95f;

// The How-it-works tab: which patch is highlighted in every stage, and which
// stage is open large.
struct HowItWorksUi {
  int hover_patch = -1;   // under the pointer this frame (-1: none)
  int pinned_patch = -1;  // clicked: stays highlighted when the pointer leaves
  int detail_stage = -1;  // -1: the overview of every stage
  std::string hover_text; // what the highlighted patch's tooltip says (for --layout)
  int highlighted() const { return hover_patch >= 0 ? hover_patch : pinned_patch; }
};

struct Lesson;

// Present mode (F5): a lesson's slides, one at a time, full screen with large
// text; stepping to a slide sets its view, the ratio sliding there.
struct PresentUi {
  bool on = false;
  std::shared_ptr<const Lesson> lesson;
  std::string path;         // the lesson file
  int slide = -1;           // shown (-1: none yet)
  int requested = -1;       // asked for by a key or a button; the app goes there
  double target_ratio = -1; // the ratio being slid to (-1: none)
  // File > Lessons: each shipped lesson's path and title, read when the menu
  // first opens (not every frame it stays open).
  std::vector<std::pair<std::string, std::string>> shipped;
};

// The Attention tab: the query (its patch is the selected patch,
// HowItWorksUi::pinned_patch, or cls), the newest map, and what was asked.
struct AttentionUi {
  AttentionQuery query; // stack, layer, head, rollout; patch filled in when sent
  std::shared_ptr<const AttentionMap> shown;
  uint64_t shown_id = 0;
  std::string error; // why the newest query has no map (e.g. a removed patch)
  // The last request: picture, model, mask and query; resent when any changes.
  const Image* image = nullptr;
  const ModelInfo* model = nullptr;
  MaskSettings mask;
  AttentionQuery asked;
  uint64_t requested_id = 0, answered_id = 0;
};

// "Play" sweeps the masking ratio back and forth.
struct PlayState {
  bool playing = false;
  float speed = 0.15f; // ratio per second
  int direction = 1;
};

struct ErrorMessage {
  std::string title;
  std::string message;
};

// Asks which architecture an official .pth without a config has.
struct ArchDialog {
  bool open = false;
  std::string path;
  ModelSlot slot = ModelSlot::Main; // which model the file was opened as
  std::vector<std::string> names;
  int choice = 0;
};

struct FileBrowserState {
  // Open: images and models. Export*: a file name to save. Train*: a pick
  // for the Training form (a config file, or a folder).
  enum class Mode {
    Open,
    ExportFigure,
    ExportCurves,
    TrainConfig,
    TrainData,
    TrainOutput,
    TrainResume,
    WatchRun, // a run folder another process trains into, to follow
    SaveView,
    OpenView,
    OpenLesson,
    ExportSweep,
    OpenSecondModel // the Compare tab's second model
  };
  struct Entry {
    std::string name;
    bool directory = false;
    bool model_folder = false; // a HuggingFace folder: opens as a model
    bool run_folder = false;   // a training run (Run to resume)
    uintmax_t size = 0;
  };
  bool open = false;
  bool just_opened = false;
  Mode mode = Mode::Open;
  std::string dir;
  std::string path_input; // the editable path bar
  std::string filename;   // ExportFigure: the name typed
  bool show_all = false;  // also files that are neither images nor models
  bool stale = true;      // re-read `dir` on the next frame
  std::vector<Entry> entries;
  std::string error;
  std::string confirm_replace; // a Save's existing target: the next press replaces it
  int selected = -1;
};

// Things panels ask the app to do after the frame is built.
struct Command {
  enum class Kind {
    Open,
    LoadModelWithArch,
    ExportFigure,
    Quit,
    ChooseTrainConfig, // path: a training config to show in the form
    StartTraining,     // from the Training form
    PauseTraining,
    ResumeTraining,
    StopTraining,
    SaveCheckpoint,  // into the run directory
    OpenInExplorer,  // export the current weights and load them in the Explorer
    ExportCurves,    // path: the training curves as CSV
    SaveView,        // path: the view as JSON (view_state.h)
    OpenView,        // path: a saved view
    OpenLesson,      // path: a lesson (lesson.h), shown from its first slide
    ExportSweep,     // path: the Explorer's figure over a ratio sweep, as a video
    TogglePresent,   // Present mode on or off (F5)
    OpenSecondModel, // path: the model the Compare tab sets beside the main one
    ChooseSweep,     // path: a sweep file for the Experiments tab
    StartSweep,      // the chosen sweep, into its folder (resuming what is there)
    PauseSweep,
    ResumeSweep,
    StopSweep,     // at a checkpoint: Start continues
    OpenGetModels, // Model > Get models...: read the catalog, show the dialog
    FetchModel,    // path: a catalog entry's name, downloaded, converted, opened
    CancelFetch
  };
  Kind kind = Kind::Open;
  std::string path;
  std::string arch;
  ModelSlot slot = ModelSlot::Main; // LoadModelWithArch: which model it becomes
};

// Model > Get models...: the catalog, which entries are cached, the download.
struct GetModelsUi {
  bool open = false;
  std::string catalog_path; // --fetch-catalog, else configs/fetch/catalog.json
  std::vector<CatalogEntry> catalog;
  std::vector<bool> cached; // per catalog entry
  std::string cache_dir;
  std::string error; // the catalog or the cache folder cannot be read
  FetchStatus status;
};

// A panel's picture in framebuffer pixels (what a screenshot holds), for --layout.
struct PanelRect {
  std::string name;
  DrawnRect rect;
  std::vector<std::string> caption = {}; // the lines shown under it (after shortening)
};

// A popup or dialog open this frame, for --layout (the tests look for them).
struct OpenPopup {
  std::string
      name; // "error", "architecture", "file_browser", "help", "details", "get_models", "stopping"
  std::string title;
  std::string text;
  DrawnRect rect;
};

// What a reconstruct request was for: a new one is sent when this changes.
struct RequestKey {
  const Image* image = nullptr;
  const ModelInfo* model = nullptr;
  const ModelInfo* second_model = nullptr; // Compare, two models
  std::vector<MaskSettings> settings;
  bool trace = false; // with the How-it-works stages
  bool operator==(const RequestKey& o) const {
    return image == o.image && model == o.model && second_model == o.second_model &&
           trace == o.trace && settings == o.settings;
  }
  bool operator!=(const RequestKey& o) const { return !(*this == o); }
};

// One tab's reconstructions: what is shown and what was last asked for.
struct TabResults {
  std::shared_ptr<const ReconstructionSet> shown;
  RequestKey requested;
  uint64_t requested_id = 0;
  uint64_t answered_id = 0; // newest request answered, with a result or an error
};

using Clock = std::chrono::steady_clock;

// What the Training tab's sidebar sets up; read when Start is pressed.
// The form is a run request (config_path, resume, out_dir, steps, data_type,
// data_path, device: train/run_plan.h) plus what the sidebar shows about it.
struct TrainingForm : RunRequest {
  std::vector<std::string> configs;          // configs/train/*.json, then any opened ones
  std::shared_ptr<const TrainConfig> config; // config_path parsed, for its summary
  std::string config_error;                  // why config_path could not be read
};

// One plot's own settings; the ranges follow the data.
struct PlotOptions {
  bool log_y = false;
  PlotCache cache; // the curve as last drawn
};

struct TrainingUi {
  TrainingForm form;
  std::shared_ptr<const TrainingSnapshot> snapshot; // the session's, taken each frame
  uint64_t session_id = 0;  // counts the runs shown (Starts, follows): keys the preview textures
  std::string run_dir;      // the run's output directory
  std::string config_label; // the config it was started from
  TrainingState seen_state = TrainingState::Idle; // the state already reported
  std::string exporting_model;                    // "Open in explorer": the file awaited
  std::string export_message_before;              // the snapshot's note when it was asked
  bool stop_requested = false; // Stop pressed: the run ends after its current step
  bool quitting = false;       // the window was closed mid-run: stop, then quit
  PlotOptions loss_plot{true, {}}, lr_plot, speed_plot, knn_plot;
  // A run another process trains (mae train, torchrun), followed read-only
  // from its folder while no run of the app's own is under way.
  std::string watch_input; // the folder field
  std::string watch_dir;   // the folder followed; empty: none
};

// The Experiments tab: a sweep (configs/sweeps/), its runs and their results,
// live from a SweepSession or read from a finished sweep's folder.
struct ExperimentsUi {
  std::vector<std::string> sweeps; // configs/sweeps/*.json
  std::string path;                // the chosen one
  std::shared_ptr<const SweepConfig> sweep;
  // Its title over the results shown: "(quick evaluations)" is not said of
  // the shipped results, which are full ones.
  std::string title;
  std::vector<SweepRun> runs; // expanded, for the table's rows
  std::string out_dir;        // runs/sweeps/<name>
  bool quick = false;         // evaluations on a fifth of the images, into runs/sweeps/<name>-quick
  std::shared_ptr<const SweepSnapshot> snapshot; // the session's, taken each frame
  std::vector<SweepRunResult> results;           // finished runs shown
  std::string results_from;  // where they were read: out_dir, or the results shipped in docs/
  int selected = -1;         // the table row clicked
  bool show_curves = false;  // the plot shows the selected run's training curves
  uint64_t plot_version = 1; // bumped when what the plot shows changes
  // The plot's size in pixels as the panel shows it, and its text's scale:
  // drawn at that size, not scaled from a fixed bitmap (unreadable projected).
  int plot_width = 1000, plot_height = 560;
  double plot_text_scale = 1.0;
  std::string plot_error;
  std::string plot_note; // the line above the plot, as drawn this frame (--layout)
};

// Request -> display timing, for the status bar and --bench-latency.
struct LatencyLog {
  std::deque<std::pair<uint64_t, Clock::time_point>> sent; // request id, when sent
  uint64_t arrived_id = 0;                                 // the newest result not yet on screen
  double last_ms = 0; // the last result's request -> display time
  std::vector<double> samples;
};

struct UiState {
  explicit UiState(const std::string& recent_file) : recent(recent_file) {}

  // Settings.
  MaskSettings mask;
  Tab tab = Tab::Explorer;
  bool select_tab = true; // make `tab` the selected one on the next frame
  void show_tab(Tab t) { tab = t, select_tab = true; }
  CompareMode compare_mode = CompareMode::Ratios;
  ImageView explorer_view, compare_view;
  // What the zoom keys move: the Compare tab's pictures there, else the
  // Explorer's. Reset zoom puts both back.
  ImageView& zoomed_view() { return tab == Tab::Compare ? compare_view : explorer_view; }
  void reset_zoom() { explorer_view = compare_view = ImageView{}; }
  DisplayOptions display;
  HowItWorksUi how;
  // A stroke painting the custom mask: the first patch decides whether the
  // stroke removes or restores, the patches it crosses follow.
  struct PaintStroke {
    bool active = false;
    bool removing = false;
  } paint;
  AttentionUi attention;
  PresentUi present;
  PlayState play;
  bool show_help = false;
  bool show_model_details = false;
  float ui_scale = 1.0f;      // the scale in use (fonts and sizes)
  float ui_scale_choice = 0;  // View > UI scale: 0 follows the monitor (saved in settings.json)
  float monitor_scale = 1.0f; // the window's monitor's content scale, for the menu
  GetModelsUi get_models;

  // Loaded things (immutable; replaced on a successful load only).
  std::string image_path;
  std::shared_ptr<const Image> image, preview;
  std::string model_path;
  std::shared_ptr<const ModelInfo> model;
  std::shared_ptr<const PosEmbedGrids> pos_embed; // the model's, for the Attention tab
  // The Compare tab's second model, shown beside the main one on the same mask.
  std::string second_model_path;
  std::shared_ptr<const ModelInfo> second_model;
  std::string model_note; // e.g. the default model is missing and what was used instead
  std::string image_note;
  std::string loading_model, loading_image; // paths being loaded, for the status bar
  std::string loading_second_model;

  // Reconstructions.
  TabResults explorer, compare;
  // Whether File > Export figure has something to write (figure_export's
  // current_figure): the Compare tab's comparison, else the Explorer's
  // reconstruction. It enables the menu item, the button and Ctrl+E.
  bool has_figure() const {
    const auto& shown = (tab == Tab::Compare ? compare : explorer).shown;
    return shown && !shown->items.empty();
  }
  uint64_t next_request_id = 1;
  std::string reconstruct_error;

  // The Training tab.
  TrainingUi training;
  ExperimentsUi experiments;

  // Dialogs and messages.
  std::deque<ErrorMessage> errors;
  ArchDialog arch;
  FileBrowserState browser;
  RecentFiles recent;
  std::string status; // last action, e.g. "exported fig.png"
  std::vector<Command> commands;

  // This frame's layout and timing.
  std::vector<PanelRect> panel_rects;
  float sidebar_overflow = 0;   // how far the sidebar scrolls: 0 when every control is in view
  float sidebar_overflow_x = 0; // how much wider its content is than the sidebar: 0 = no clipping
  std::vector<OpenPopup> popups;
  bool worker_busy = false;
  float frame_ms = 0;
  LatencyLog latency;
};

} // namespace mae::studio
