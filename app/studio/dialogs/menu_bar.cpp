#include "dialogs/dialogs.h"
#include "lesson.h"
#include "panels/panels.h"

#include <imgui.h>

#include <cstdio>
#include <filesystem>
#include <tuple>

namespace mae::studio {

namespace {

// A menu item with its tooltip (shown also while it is disabled, saying why).
bool menu_item(const char* label, const char* shortcut, bool selected, const char* tip,
               bool enabled = true) {
  const bool clicked = ImGui::MenuItem(label, shortcut, selected, enabled);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    wrapped_tooltip("%s", tip);
  return clicked;
}

// Text and control size: the monitor's content scale (followed when the window
// moves to another screen) or a fixed choice, remembered in settings.json.
void draw_ui_scale_menu(UiState& st) {
  if (!ImGui::BeginMenu("UI scale"))
    return;
  char label[64];
  std::snprintf(label, sizeof label, "Follow the monitor (%.0f %%)", st.monitor_scale * 100);
  if (ImGui::MenuItem(label, nullptr, st.ui_scale_choice == 0))
    st.ui_scale_choice = 0;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("Text and controls as large as the screen's scaling asks (GNOME/KDE "
                    "display settings); follows the window to another monitor");
  for (const float scale : {1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f}) {
    std::snprintf(label, sizeof label, "%.0f %%", scale * 100);
    if (ImGui::MenuItem(label, nullptr, st.ui_scale_choice == scale))
      st.ui_scale_choice = scale;
    if (ImGui::IsItemHovered())
      wrapped_tooltip("Text and controls at %.0f %% on every monitor; remembered for the "
                      "next start",
                      scale * 100);
  }
  ImGui::EndMenu();
}

void draw_file_menu(UiState& st) {
  if (!ImGui::BeginMenu("File"))
    return;
  if (menu_item("Open...", "Ctrl+O", false,
                "Open a picture, a model, a lesson, a saved view, a training config or a sweep "
                "(or drop it on the window)"))
    open_file_browser(st, FileBrowserState::Mode::Open);
  if (ImGui::BeginMenu("Open recent", !st.recent.entries().empty())) {
    for (const RecentFile& r : st.recent.entries()) {
      const std::string label =
          std::filesystem::path(r.path).filename().string() + "  (" + r.kind + ")";
      if (menu_item(label.c_str(), nullptr, false, r.path.c_str()))
        st.commands.push_back({Command::Kind::Open, r.path, ""});
    }
    ImGui::EndMenu();
  } else if (st.recent.entries().empty()) {
    tooltip("Nothing opened yet: the pictures, models, lessons and views you open are listed "
            "here, across starts");
  }
  if (menu_item("Export figure...", "Ctrl+E", false,
                st.has_figure() ? "The current tab's figure as a PNG"
                                : "Nothing to export yet: open a picture and a model",
                st.has_figure()))
    open_file_browser(st, FileBrowserState::Mode::ExportFigure);
  if (menu_item("Export ratio sweep video...", nullptr, false,
                "The Explorer's figure at ratios 0.10 to 0.95, one frame each, as a video for "
                "slides (.mp4, or .avi); the same as mae reconstruct --sweep",
                st.model && st.image))
    open_file_browser(st, FileBrowserState::Mode::ExportSweep);
  ImGui::Separator();
  if (menu_item("Save view...", nullptr, false,
                "Save this view (model, picture, mask, tab, zoom) as a small JSON file that "
                "reopens the same figure exactly, here or on another machine",
                st.model && st.image))
    open_file_browser(st, FileBrowserState::Mode::SaveView);
  if (menu_item("Open view...", nullptr, false,
                "Open a saved view (also: mae-studio --state VIEW.json)"))
    open_file_browser(st, FileBrowserState::Mode::OpenView);
  ImGui::Separator();
  if (ImGui::BeginMenu("Lessons")) {
    if (st.present.shipped.empty())
      for (const std::string& path : shipped_lessons())
        st.present.shipped.emplace_back(path, lesson_title(path));
    for (const auto& [path, title] : st.present.shipped) {
      ImGui::PushID(path.c_str()); // two lessons may share a title
      if (menu_item(title.c_str(), nullptr, false, path.c_str()))
        st.commands.push_back({Command::Kind::OpenLesson, path, ""});
      ImGui::PopID();
    }
    if (menu_item("Open lesson...", nullptr, false,
                  "A lesson file: slides of views with a title and text each"))
      open_file_browser(st, FileBrowserState::Mode::OpenLesson);
    ImGui::EndMenu();
  }
  if (menu_item("Present", "F5", st.present.on,
                "Show the open lesson's slides full screen with large text (the first shipped "
                "lesson when none is open)"))
    st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  ImGui::Separator();
  if (menu_item("Quit", "Ctrl+Q", false,
                "Close MAE Studio (a training run is stopped with a checkpoint first)"))
    st.commands.push_back({Command::Kind::Quit, "", ""});
  ImGui::EndMenu();
}

void draw_view_menu(UiState& st) {
  if (!ImGui::BeginMenu("View"))
    return;
  const auto tab_item = [&st](Tab tab, const char* label, const char* key) {
    if (menu_item(label, key, st.tab == tab, tab_summary(tab)))
      st.show_tab(tab);
  };
  tab_item(Tab::Explorer, "Explorer", "E");
  tab_item(Tab::HowItWorks, "How it works", "H");
  tab_item(Tab::Attention, "Attention", "A");
  const std::tuple<CompareMode, const char*, const char*> compares[] = {
      {CompareMode::Ratios, "Compare ratios", "The Compare tab at 50, 75 and 90 % masking"},
      {CompareMode::Strategies, "Compare strategies",
       "The Compare tab with random, block and grid masking at one ratio"},
      {CompareMode::Models, "Compare two models",
       "The Compare tab with a second model on the same mask"}};
  for (const auto& [mode, label, tip] : compares)
    if (menu_item(label, nullptr, st.tab == Tab::Compare && st.compare_mode == mode, tip))
      st.compare_mode = mode, st.show_tab(Tab::Compare);
  tab_item(Tab::Training, "Training", "P");
  tab_item(Tab::Experiments, "Experiments", "X");
  ImGui::Separator();
  for (const DisplayToggle& t : kDisplayToggles) {
    bool& on = st.display.*t.flag;
    if (menu_item(t.label, t.key, on, t.tip))
      on = !on;
  }
  if (menu_item("Reset zoom", "0", false, "Back to the whole picture, centred"))
    st.reset_zoom();
  ImGui::Separator();
  draw_ui_scale_menu(st);
  ImGui::EndMenu();
}

void draw_model_menu(UiState& st) {
  if (!ImGui::BeginMenu("Model"))
    return;
  if (menu_item("Details...", nullptr, false,
                st.model ? "The model's architecture, parameter counts, file format and "
                           "normalisation"
                         : "No model is open yet",
                st.model != nullptr))
    st.show_model_details = true;
  if (menu_item("Get models...", nullptr, false,
                "Download the paper's own models (ViT-B/L visualisation weights, HuggingFace's "
                "facebook/vit-mae-*) and open them"))
    st.commands.push_back({Command::Kind::OpenGetModels, "", ""});
  ImGui::EndMenu();
}

void draw_help_menu(UiState& st) {
  if (!ImGui::BeginMenu("Help"))
    return;
  if (menu_item("Shortcuts and help", "F1", st.show_help,
                "Every keyboard shortcut, and what to read about Masked Autoencoders"))
    st.show_help = !st.show_help;
  ImGui::EndMenu();
}

} // namespace

void draw_menu_bar(UiState& st) {
  if (!ImGui::BeginMenuBar())
    return;
  draw_file_menu(st);
  draw_view_menu(st);
  draw_model_menu(st);
  draw_help_menu(st);
  ImGui::EndMenuBar();
}

} // namespace mae::studio
