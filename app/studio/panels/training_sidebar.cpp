// The sidebar of the Training tab: what to train (config, data, output
// folder, device, length, resume), the Start button, and the run's log.
#include "panels/panels.h"

#include "dialogs/dialogs.h"
#include "runtime/runtime.h"

#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace mae::studio {
namespace {

const ImVec4 kError(1.0f, 0.5f, 0.4f, 1.0f);

std::string stem(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

// A path field with a "..." button that opens the file browser in `mode`.
void path_field(UiState& st, const char* id, const char* hint, std::string& value,
                FileBrowserState::Mode mode) {
  ImGui::PushID(id);
  const float button = ImGui::GetFrameHeight() * 1.6f;
  ImGui::SetNextItemWidth(-button - ImGui::GetStyle().ItemSpacing.x);
  ImGui::InputTextWithHint("##path", hint, &value);
  if (ImGui::IsItemHovered())
    wrapped_tooltip("%s", value.empty() ? hint : value.c_str());
  ImGui::SameLine();
  if (ImGui::Button("...", {button, 0}))
    open_file_browser(st, mode);
  tooltip("Choose with the file browser");
  ImGui::PopID();
}

// The recipe as it will run: a steps field set below replaces the config's length.
std::string config_summary(const TrainConfig& c, long long steps) {
  char own[64], length[128], recipe[256];
  if (c.total_steps > 0)
    std::snprintf(own, sizeof own, "%lld steps", static_cast<long long>(c.total_steps));
  else
    std::snprintf(own, sizeof own, "%g epochs", c.epochs);
  if (steps > 0)
    std::snprintf(length, sizeof length, "%lld steps (the config's: %s)", steps, own);
  else
    std::snprintf(length, sizeof length, "%s", own);
  std::snprintf(recipe, sizeof recipe, "batch %d x %d, peak lr %.3g, mask %.2f %s, %s",
                c.batch_size, c.accum_iter, c.peak_lr(), c.model.mask_ratio,
                to_string(c.mask_strategy), length);
  return c.model.summary() + "\n" + recipe;
}

void config_section(UiState& st) {
  TrainingForm& f = st.training.form;
  section("Config");
  // A resumed run trains with its own config.json.
  ImGui::BeginDisabled(!f.resume.empty());
  const float button = ImGui::CalcTextSize("Open...").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SetNextItemWidth(-button - ImGui::GetStyle().ItemSpacing.x);
  const bool open =
      ImGui::BeginCombo("##config", f.config_path.empty() ? "(none)" : stem(f.config_path).c_str());
  tooltip("The training config: model, data, recipe (configs/train/)");
  if (open) {
    for (const std::string& path : f.configs) {
      if (ImGui::Selectable(stem(path).c_str(), path == f.config_path))
        st.commands.push_back({Command::Kind::ChooseTrainConfig, path, ""});
      if (ImGui::IsItemHovered())
        wrapped_tooltip("%s", path.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Open..."))
    open_file_browser(st, FileBrowserState::Mode::TrainConfig);
  tooltip("Use a training config from another folder");
  ImGui::EndDisabled();
  if (!f.resume.empty()) {
    dim_wrapped("Continuing a run: its own config.json is used.");
  } else if (!f.config_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kError);
    wrapped_text(f.config_error, ImGui::GetContentRegionAvail().x);
    ImGui::PopStyleColor();
  } else if (f.config) {
    dim_wrapped(config_summary(*f.config, f.steps));
  }
}

void data_section(UiState& st) {
  TrainingForm& f = st.training.form;
  section("Data");
  const std::string config_type = f.config ? f.config->data.type : "fmnist";
  const std::string& type = f.data_type.empty() ? config_type : f.data_type;
  for (const char* t : {"fmnist", "folder", "shards"}) {
    if (t != std::string("fmnist"))
      same_line_if_fits(t);
    if (ImGui::RadioButton(t, type == t))
      f.data_type = t == config_type ? "" : t;
    tooltip(t == std::string("fmnist") ? "Fashion-MNIST from the Debian package"
            : t == std::string("folder")
                ? "A folder of pictures (png, jpg, ...), decoded as it goes"
                : "A folder packed by mae pack: uint8 shards, fastest");
  }
  const std::string config_path = f.config ? f.config->data.path : "";
  const std::string hint = !config_path.empty() ? config_path
                           : type == "fmnist"   ? "the dataset-fashion-mnist package"
                                                : "an image folder or a mae pack folder";
  path_field(st, "data", hint.c_str(), f.data_path, FileBrowserState::Mode::TrainData);
  if (type == "fmnist" && f.data_path.empty() && !short_screen())
    dim_wrapped("Fashion-MNIST needs no path: the Debian package's files are used.");
}

void run_section(UiState& st) {
  TrainingForm& f = st.training.form;
  section("Run");
  ImGui::TextUnformatted("output folder");
  const std::string name = f.config && !f.config->name.empty() ? f.config->name : "run";
  const std::string hint =
      f.resume.empty() ? "runs/" + name + "-<date>-<time>" : "the resumed run's";
  path_field(st, "out", hint.c_str(), f.out_dir, FileBrowserState::Mode::TrainOutput);
  ImGui::AlignTextToFramePadding(); // level with the radio buttons beside it
  ImGui::TextUnformatted("device");
  static const bool has_cuda = cuda_available(); // fixed for the process
  for (const char* d : {"auto", "cpu", "cuda"}) {
    same_line_if_fits(d);
    const bool cuda = d == std::string("cuda");
    ImGui::BeginDisabled(cuda && !has_cuda && f.device != "cuda");
    if (ImGui::RadioButton(d, f.device == d))
      f.device = d;
    ImGui::EndDisabled();
    tooltip(d == std::string("auto") ? "CUDA when there is a GPU, else the CPU"
            : !cuda                  ? "The CPU, even with a GPU"
            : has_cuda               ? "The first CUDA GPU"
                       : "No CUDA GPU here (none visible, or this LibTorch was built without "
                         "CUDA): training runs on the CPU");
  }
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("steps");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  long long steps = f.steps;
  const long long small = 100, big = 1000;
  if (ImGui::InputScalar("##steps", ImGuiDataType_S64, &steps, &small, &big,
                         steps > 0 ? "%lld" : "the config's length"))
    f.steps = std::max(0LL, steps);
  tooltip("Total optimizer steps, replacing the config's length (0: the config's)");
  ImGui::TextUnformatted("resume");
  path_field(st, "resume", "a run folder to continue", f.resume,
             FileBrowserState::Mode::TrainResume);
  if (!f.resume.empty())
    dim_wrapped("Continues that run in its folder.");
}

void log_section(const UiState& st) {
  section("Log");
  const std::vector<std::string>* log = st.training.snapshot ? &st.training.snapshot->log : nullptr;
  // Too little height left for a box (1280 x 720): its newest line, the rest
  // in the tooltip, instead of a box below the sidebar's edge.
  if (ImGui::GetContentRegionAvail().y < ImGui::GetTextLineHeightWithSpacing() * 4) {
    dim_wrapped(log && !log->empty() ? log->back() : std::string("(no run yet)"));
    std::string recent;
    if (log)
      for (size_t i = log->size() > 20 ? log->size() - 20 : 0; i < log->size(); ++i)
        recent += (*log)[i] + "\n";
    tooltip(recent.empty() ? "The run's messages appear here" : recent.c_str());
    return;
  }
  ImGui::BeginChild("log", {0, ImGui::GetContentRegionAvail().y}, true);
  ImGui::PushTextWrapPos(0.0f);
  if (st.training.snapshot)
    for (const std::string& line : st.training.snapshot->log)
      ImGui::TextUnformatted(line.c_str());
  ImGui::PopTextWrapPos();
  // Follow new lines unless the user scrolled up to read.
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1)
    ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
}

} // namespace

bool training_under_way(const UiState& st) {
  const auto& s = st.training.snapshot;
  return s && st.training.watch_dir.empty() && // a followed run is another process's
         (s->state == TrainingState::Running || s->state == TrainingState::Paused);
}

// Following a run that another process trains: read-only, from its folder.
static void watch_section(UiState& st) {
  section("Follow a run");
  TrainingUi& t = st.training;
  ImGui::BeginDisabled(training_under_way(st));
  path_field(st, "watch", "a run folder (mae train, torchrun)", t.watch_input,
             FileBrowserState::Mode::WatchRun);
  const bool following = !t.watch_dir.empty();
  ImGui::BeginDisabled(!following && t.watch_input.empty());
  if (ImGui::Button(following ? "Stop following" : "Follow", {-1, 0}))
    t.watch_dir = following ? std::string() : t.watch_input;
  ImGui::EndDisabled();
  tooltip(following               ? "Stop reading the run's folder (the run itself goes on)"
          : t.watch_input.empty() ? "Type or browse a run folder above first"
                                  : "Show the curves and status of a run that another process "
                                    "trains into this folder (mae train in a terminal, torchrun "
                                    "on a cluster with a shared file system), reread every "
                                    "second. Nothing is sent to the run.");
  ImGui::EndDisabled();
}

void draw_training_sidebar(PanelContext& ctx) {
  UiState& st = ctx.state;
  config_section(st);
  data_section(st);
  run_section(st);
  ImGui::Spacing();
  const bool busy = training_under_way(st);
  ImGui::BeginDisabled(busy);
  if (ImGui::Button(st.training.form.resume.empty() ? "Start training" : "Continue the run",
                    {-1, ImGui::GetFrameHeight() * 1.3f}))
    st.commands.push_back({Command::Kind::StartTraining, "", ""});
  tooltip("Start the run in the output folder (or continue the resumed one); the curves and "
          "reconstructions follow it on the Training tab");
  ImGui::EndDisabled();
  watch_section(st);
  log_section(st);
}

} // namespace mae::studio
