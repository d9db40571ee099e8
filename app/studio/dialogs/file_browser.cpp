#include "dialogs/dialogs.h"
#include "open_target.h"
#include "panels/panels.h"
#include "save_target.h"
#include "workers/training_setup.h"

#include "base/file_extension.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

using Mode = FileBrowserState::Mode;

// The window keeps one ImGui id whatever it is opened for.
const char* title(Mode m) {
  switch (m) {
  case Mode::Open:
    return "Open###file_browser";
  case Mode::ExportFigure:
    return "Export figure###file_browser";
  case Mode::ExportCurves:
    return "Export curves as CSV###file_browser";
  case Mode::TrainConfig:
    return "Training config###file_browser";
  case Mode::TrainData:
    return "Training data folder###file_browser";
  case Mode::TrainOutput:
    return "Output folder###file_browser";
  case Mode::TrainResume:
    return "Run to resume###file_browser";
  case Mode::WatchRun:
    return "Run to follow###file_browser";
  case Mode::SaveView:
    return "Save view###file_browser";
  case Mode::OpenView:
    return "Open view###file_browser";
  case Mode::OpenLesson:
    return "Open lesson###file_browser";
  case Mode::ExportSweep:
    return "Export ratio sweep video###file_browser";
  case Mode::OpenSecondModel:
    return "Second model to compare###file_browser";
  }
  return "###file_browser";
}

// The extensions of the file a Save writes (the first is added to a name
// without one); empty when the browser opens or picks.
std::vector<std::string> saved_extensions(Mode m) {
  switch (m) {
  case Mode::ExportFigure:
    return {".png"};
  case Mode::ExportCurves:
    return {".csv"};
  case Mode::SaveView:
    return {".json"};
  case Mode::ExportSweep:
    return {".mp4", ".avi"};
  default:
    return {};
  }
}

bool saves(Mode m) {
  return !saved_extensions(m).empty();
}

bool picks_folder(Mode m) {
  return m == Mode::TrainData || m == Mode::TrainOutput || m == Mode::TrainResume ||
         m == Mode::WatchRun;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string human_size(uintmax_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4)
    v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

bool is_run_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "checkpoint.safetensors", ec);
}

// Files listed unless "all files" is ticked; folder picks list folders only.
bool wanted_file(Mode m, const fs::path& path) {
  const std::string ext = lower_extension(path.string());
  switch (m) {
  case Mode::Open:
    return classify_path(path.string()) != TargetKind::Unsupported;
  case Mode::OpenSecondModel:
    return classify_path(path.string()) == TargetKind::Model;
  case Mode::TrainConfig:
  case Mode::OpenView:
  case Mode::OpenLesson:
    return ext == ".json";
  case Mode::ExportFigure:
  case Mode::ExportCurves:
  case Mode::SaveView:
  case Mode::ExportSweep: {
    const auto saved = saved_extensions(m);
    return std::find(saved.begin(), saved.end(), ext) != saved.end();
  }
  case Mode::TrainData:
  case Mode::TrainOutput:
  case Mode::TrainResume:
  case Mode::WatchRun:
    break;
  }
  return false;
}

void read_directory(FileBrowserState& b) {
  b.stale = false;
  b.entries.clear();
  b.selected = -1;
  b.error.clear();
  std::error_code ec;
  fs::directory_iterator it(b.dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    b.error = b.dir + ": " + ec.message();
    return;
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!b.show_all && !name.empty() && name[0] == '.')
      continue;
    FileBrowserState::Entry e;
    e.name = name;
    std::error_code e2;
    e.directory = entry.is_directory(e2);
    if (e.directory) {
      e.model_folder = (b.mode == Mode::Open || b.mode == Mode::OpenSecondModel) &&
                       classify_path(entry.path().string()) == TargetKind::Model;
      e.run_folder =
          (b.mode == Mode::TrainResume || b.mode == Mode::WatchRun) && is_run_folder(entry.path());
    } else {
      if (!b.show_all && !wanted_file(b.mode, entry.path()))
        continue;
      e.size = entry.file_size(e2);
    }
    b.entries.push_back(std::move(e));
  }
  std::sort(b.entries.begin(), b.entries.end(), [](const auto& a, const auto& c) {
    if (a.directory != c.directory)
      return a.directory;
    return lower(a.name) < lower(c.name);
  });
}

void navigate(FileBrowserState& b, const fs::path& dir) {
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  b.dir = (ec ? dir : abs).string();
  b.path_input = b.dir;
  b.stale = true;
}

void close(UiState& st) {
  st.browser.open = false;
  ImGui::CloseCurrentPopup();
}

// A file picked: opened, or shown as the Training form's config.
void open_and_close(UiState& st, const std::string& path) {
  const Mode mode = st.browser.mode;
  st.commands.push_back({mode == Mode::TrainConfig       ? Command::Kind::ChooseTrainConfig
                         : mode == Mode::OpenView        ? Command::Kind::OpenView
                         : mode == Mode::OpenLesson      ? Command::Kind::OpenLesson
                         : mode == Mode::OpenSecondModel ? Command::Kind::OpenSecondModel
                                                         : Command::Kind::Open,
                         path, ""});
  close(st);
}

// A folder picked for the Training form.
void choose_folder(UiState& st, const std::string& dir) {
  TrainingForm& f = st.training.form;
  switch (st.browser.mode) {
  case Mode::TrainData:
    f.data_path = dir;
    f.data_type = detect_data_type(dir);
    break;
  case Mode::TrainOutput:
    f.out_dir = dir;
    break;
  case Mode::TrainResume:
    f.resume = dir;
    break;
  case Mode::WatchRun:
    st.training.watch_input = dir;
    st.training.watch_dir = dir;
    break;
  default:
    return;
  }
  close(st);
}

// Where each kind of pick starts: next to what the form already names.
void start_directory(UiState& st, Mode mode) {
  FileBrowserState& b = st.browser;
  const TrainingForm& f = st.training.form;
  std::error_code ec;
  const fs::path runs = fs::absolute("runs", ec);
  if (mode == Mode::TrainConfig)
    navigate(b, f.config_path.empty() ? fs::path(train_configs_dir())
                                      : fs::path(f.config_path).parent_path());
  else if (mode == Mode::TrainData && !f.data_path.empty())
    navigate(b, f.data_path);
  else if ((mode == Mode::TrainOutput || mode == Mode::TrainResume || mode == Mode::WatchRun) &&
           fs::is_directory(runs, ec))
    navigate(b, runs);
  else if (mode == Mode::ExportCurves && !st.training.run_dir.empty())
    navigate(b, st.training.run_dir);
}

// The file name a save starts with.
std::string default_file_name(const UiState& st, Mode mode) {
  char name[160];
  const std::string stem =
      st.image_path.empty() ? "figure" : fs::path(st.image_path).stem().string();
  if (mode == Mode::SaveView)
    return "view_" + stem + ".json";
  if (mode == Mode::ExportSweep)
    return "mae_" + stem + "_sweep.mp4";
  if (mode == Mode::ExportCurves)
    return st.training.run_dir.empty()
               ? "curves.csv"
               : fs::path(st.training.run_dir).filename().string() + "_curves.csv";
  if (st.tab == Tab::Compare)
    std::snprintf(name, sizeof name, "mae_%s_compare_%s.png", stem.c_str(),
                  to_string(st.compare_mode));
  else
    std::snprintf(name, sizeof name, "mae_%s_%s_%02d.png", stem.c_str(),
                  to_string(st.mask.strategy), static_cast<int>(std::lround(st.mask.ratio * 100)));
  return name;
}

} // namespace

void open_file_browser(UiState& st, FileBrowserState::Mode mode) {
  FileBrowserState& b = st.browser;
  b.open = b.just_opened = true;
  b.mode = mode;
  b.confirm_replace.clear();
  if (b.dir.empty()) {
    std::error_code ec;
    navigate(b, st.image_path.empty() ? fs::current_path(ec)
                                      : fs::absolute(st.image_path, ec).parent_path());
  }
  start_directory(st, mode);
  b.path_input = b.dir;
  b.stale = true;
  if (saves(mode))
    b.filename = default_file_name(st, mode);
}

namespace {

// Up, Home, the editable path and "all files". Enter on a path opens a folder
// (or, when picking a file, the file).
void path_bar(UiState& st) {
  FileBrowserState& b = st.browser;
  if (ImGui::Button("Up"))
    navigate(b, fs::path(b.dir).parent_path());
  tooltip("The folder above this one");
  ImGui::SameLine();
  if (ImGui::Button("Home")) {
    const char* home = std::getenv("HOME");
    if (home)
      navigate(b, home);
  }
  tooltip("Your home folder");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-ImGui::GetFontSize() * 9);
  if (ImGui::InputText("##path", &b.path_input, ImGuiInputTextFlags_EnterReturnsTrue)) {
    std::error_code ec;
    if (fs::is_directory(b.path_input, ec))
      navigate(b, b.path_input);
    else if (!saves(b.mode) && !picks_folder(b.mode) && fs::exists(b.path_input, ec))
      open_and_close(st, b.path_input);
    else
      b.error = b.path_input + ": no such folder";
  }
  tooltip("Type or paste a folder (or a file) and press Enter");
  ImGui::SameLine();
  if (ImGui::Checkbox("all files", &b.show_all))
    b.stale = true;
  tooltip("Also list files this dialog would not open (other extensions)");
}

// The folder's entries; returns the name double-clicked, if any.
std::string entry_list(FileBrowserState& b, float footer) {
  ImGui::BeginChild("entries", {0, -footer}, true);
  if (!b.error.empty())
    ImGui::TextColored({1.0f, 0.5f, 0.4f, 1.0f}, "%s", b.error.c_str());
  std::string activate;
  for (int i = 0; i < static_cast<int>(b.entries.size()); ++i) {
    const auto& e = b.entries[i];
    std::string label = e.directory ? e.name + "/" : e.name;
    if (e.model_folder)
      label += "   (model folder)";
    if (e.run_folder)
      label += "   (training run)";
    if (ImGui::Selectable(label.c_str(), b.selected == i, ImGuiSelectableFlags_AllowDoubleClick)) {
      b.selected = i;
      if (saves(b.mode) && !e.directory)
        b.filename = e.name;
      if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
        activate = e.name;
    }
    if (ImGui::IsItemHovered())
      wrapped_tooltip(e.directory && !e.model_folder ? "Double-click to open this folder"
                                                     : "Click to select, double-click to choose");
    if (!e.directory) {
      ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - ImGui::GetFontSize() * 6);
      ImGui::TextDisabled("%s", human_size(e.size).c_str());
    }
  }
  ImGui::EndChild();
  return activate;
}

// A name that is taken asks once (the button becomes Replace); a folder or
// a device by that name is never replaced.
void save_footer(UiState& st, float w) {
  FileBrowserState& b = st.browser;
  const SaveTarget target = save_target(b.dir, b.filename, saved_extensions(b.mode));
  if (!b.confirm_replace.empty() && b.confirm_replace != target.path) {
    b.confirm_replace.clear(); // the name changed: the warning was about another file
    b.error.clear();
  }
  const bool confirmed = target.status == SaveTarget::Status::Exists && !b.confirm_replace.empty();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputText("##filename", &b.filename);
  tooltip("The file's name, in the folder shown (the extension is added if missing)");
  const bool pressed = ImGui::Button(confirmed ? "Replace" : "Save", {w, 0});
  tooltip(confirmed ? "Overwrite the existing file with this one" : "Write the file here");
  if (!pressed || b.filename.empty())
    return;
  const std::string name = fs::path(target.path).filename().string();
  if (target.status == SaveTarget::Status::NotAFile) {
    b.error = name + " is a folder or a device, not a file: choose another name";
  } else if (target.status == SaveTarget::Status::Exists && !confirmed) {
    b.confirm_replace = target.path;
    b.error = name + " already exists: press Replace to overwrite it, or type another name";
  } else {
    st.commands.push_back({b.mode == Mode::ExportCurves  ? Command::Kind::ExportCurves
                           : b.mode == Mode::SaveView    ? Command::Kind::SaveView
                           : b.mode == Mode::ExportSweep ? Command::Kind::ExportSweep
                                                         : Command::Kind::ExportFigure,
                           target.path, ""});
    close(st);
  }
}

// The selected folder, else the one shown, is the choice.
void folder_footer(UiState& st, const fs::path& selected, float w) {
  FileBrowserState& b = st.browser;
  const bool folder_selected = !selected.empty() && b.entries[b.selected].directory;
  const std::string choice = folder_selected ? selected.string() : b.dir;
  ImGui::TextDisabled("%s", choice.c_str());
  if (ImGui::Button("Choose", {w, 0}))
    choose_folder(st, choice);
  tooltip("Use the selected folder, or the one shown if none is selected");
}

// Returns the entry to step into when Open is pressed on a plain folder.
std::string open_footer(UiState& st, const fs::path& selected, float w) {
  FileBrowserState& b = st.browser;
  const bool config =
      b.mode == Mode::TrainConfig || b.mode == Mode::OpenView || b.mode == Mode::OpenLesson;
  const char* hint = b.mode == Mode::OpenView     ? "views saved with File > Save view: .json"
                     : b.mode == Mode::OpenLesson ? "lessons: .json (see assets/lessons)"
                     : b.mode == Mode::OpenSecondModel
                         ? "models: .safetensors .pth, HuggingFace folders, a run's checkpoint"
                     : config ? "training configs: .json (see configs/train)"
                              : "images: png jpg bmp webp tiff | models: .safetensors .pth, "
                                "HuggingFace folders | lessons, views, training configs, "
                                "sweeps: .json";
  dim_wrapped(selected.empty() ? hint : selected.string());
  std::string activate;
  const bool open = ImGui::Button("Open", {w, 0});
  tooltip("Open the selected file, or step into the selected folder (or double-click it)");
  if (open && !selected.empty()) {
    const auto& e = b.entries[b.selected];
    if (e.model_folder || !e.directory)
      open_and_close(st, selected.string());
    else
      activate = e.name;
  }
  if (!config && classify_path(b.dir) == TargetKind::Model) {
    ImGui::SameLine();
    if (ImGui::Button("Open this folder as a model"))
      open_and_close(st, b.dir);
    tooltip("This folder holds a HuggingFace model (config.json + model.safetensors): load it");
  }
  return activate;
}

} // namespace

void draw_file_browser(UiState& st) {
  FileBrowserState& b = st.browser;
  if (!b.open)
    return;
  const char* id = title(b.mode);
  if (b.just_opened) {
    ImGui::OpenPopup(id);
    b.just_opened = false;
  }
  if (b.stale)
    read_directory(b);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  next_window_centred({std::max(vp->Size.x * 0.55f, ImGui::GetFontSize() * 40),
                       std::max(vp->Size.y * 0.65f, ImGui::GetFontSize() * 24)});
  if (!ImGui::BeginPopupModal(id, &b.open))
    return;
  const std::string shown_title(id, std::strstr(id, "###"));
  st.popups.push_back({"file_browser", shown_title, b.dir, current_window_rect()});

  path_bar(st);
  const float footer = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y;
  std::string activate = entry_list(b, footer);
  const fs::path selected = b.selected >= 0 && b.selected < static_cast<int>(b.entries.size())
                                ? fs::path(b.dir) / b.entries[b.selected].name
                                : fs::path();
  const float w = ImGui::GetFontSize() * 6;
  if (saves(b.mode))
    save_footer(st, w);
  else if (picks_folder(b.mode))
    folder_footer(st, selected, w);
  else if (const std::string step_in = open_footer(st, selected, w); !step_in.empty())
    activate = step_in;
  ImGui::SameLine();
  if (b.open) {
    const bool cancel = ImGui::Button("Cancel", {w, 0});
    tooltip("Close this dialog without choosing anything (Esc)");
    if (cancel || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
      close(st);
  }
  if (!activate.empty() && b.open) {
    const fs::path p = fs::path(b.dir) / activate;
    std::error_code ec;
    if (fs::is_directory(p, ec))
      navigate(b, p);
    else if (!saves(b.mode) && !picks_folder(b.mode))
      open_and_close(st, p.string());
  }
  ImGui::EndPopup();
}

} // namespace mae::studio
