// mae-studio's command line: the interactive start-up choices plus the
// headless test mode (render, screenshot, exit) that the GUI tests drive.
#pragma once

#include "model/attention_types.h"
#include "model/masking_types.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mae::studio {

enum class StartView { Single, How, Attention, Ratios, Strategies, Models };

struct CliOptions {
  std::optional<std::string> model; // else the default model, else the best one in assets/models
  std::optional<std::string> image; // else assets/images/chelsea.png
  double ratio = 0.75;
  MaskStrategy strategy = MaskStrategy::Random;
  uint64_t seed = 0;
  std::optional<StartView> view;  // else the tab shown when the app last closed
  std::vector<std::string> drops; // handled like files dropped on the window
  // Images and models named without a flag (`mae-studio photo.png model.pth`,
  // as the .desktop file passes them): opened at start, as --image / --model.
  std::vector<std::string> files;
  std::string screenshot;    // PNG of the window after the last frame
  std::string layout;        // JSON with the panels' rectangles
  std::string export_figure; // the demo figure, as File > Export writes it
  int frames = 0;            // frames rendered after pending work is done
  int bench_latency = 0;     // ratio changes to time, request -> display
  std::string device = "auto";
  int threads = 0;
  int width = 1600, height = 1000;
  bool size_given = false;       // --size: else the size the window last had
  float ui_scale = 0;            // --ui-scale: else View > UI scale, else the monitor's
  int patch = -1;                // How it works and Attention: the selected patch, as if clicked
  int how_stage = -1;            // How it works: the stage opened large
  std::vector<int> paint;        // headless: patches toggled on the masked panel, as clicks would
  std::vector<std::string> keys; // headless: keys pressed one by one ("Right", "Shift+Left", "g")
  std::string state;             // a saved view to open (File > Open view)
  std::string fetch;             // headless: Model > Get models..., Get this entry, wait
  std::string dialog; // headless: help | details | open | get-models, opened as a click would
  std::string fetch_catalog; // the catalog Get models... lists (default configs/fetch/)
  std::string compare_model; // the Compare tab's second model
  std::string sweep;         // the Experiments tab's sweep file
  std::string sweep_out;     // its output folder (default runs/sweeps/<name>)
  bool sweep_run = false;    // headless: start it and wait for it before the frames
  bool sweep_quick = false;  // its evaluations on a fifth of the images, as `mae sweep --quick`
  std::string lesson;        // a lesson to open (File > Lessons)
  int slide = 0;             // ... at this slide (0-based)
  bool present = false;      // ... in Present mode
  std::string save_view;     // headless: File > Save view to this file once loaded
  std::string export_sweep;  // headless: File > Export ratio sweep video to this file
  // Attention: stack, layer (unless asked, the last, as `mae attention`), head, rollout
  AttentionQuery attention{AttentionStack::Encoder, AttentionQuery::kLastLayer};
  bool help = false;

  // Training from the command line: starts on the Training tab with this
  // run; headless, waits for it to end before the frames are rendered.
  std::string train_config;   // --train
  std::string train_resume;   // --train-resume: a run directory
  int64_t train_steps = 0;    // total steps; 0: the config's
  std::string train_out;      // else runs/<name>-<time>
  int64_t train_until = 0;    // headless: stop waiting at this step, the run still going
  std::string watch_run;      // --watch-run: follow a run another process trains
  std::string train_csv;      // headless: export the curves here once the run ends
  bool force = false;         // headless: the outputs above may replace files mae did not write
  bool train_explore = false; // headless: then open the weights in the Explorer

  bool training() const { return !train_config.empty() || !train_resume.empty(); }

  // Render, write the requested files and exit instead of waiting for the user.
  bool headless() const;
};

// Throws UsageError naming the bad option.
CliOptions parse_cli_options(int argc, const char* const* argv);
std::string cli_usage();

} // namespace mae::studio
