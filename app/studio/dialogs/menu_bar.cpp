#include "dialogs/dialogs.h"
#include "figure_export.h"
#include "lesson.h"

#include <imgui.h>

#include <cstdio>
#include <filesystem>

namespace mae::studio {

namespace {

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
    ImGui::SetTooltip("Text and controls as large as the screen's scaling asks (GNOME/KDE "
                      "display settings); follows the window to another monitor");
  for (const float scale : {1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f}) {
    std::snprintf(label, sizeof label, "%.0f %%", scale * 100);
    if (ImGui::MenuItem(label, nullptr, st.ui_scale_choice == scale))
      st.ui_scale_choice = scale;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Text and controls at %.0f %% on every monitor; remembered for the "
                        "next start",
                        scale * 100);
  }
  ImGui::EndMenu();
}

void draw_file_menu(UiState& st) {
  if (!ImGui::BeginMenu("File"))
    return;
  if (ImGui::MenuItem("Open...", "Ctrl+O"))
    open_file_browser(st, FileBrowserState::Mode::Open);
  if (ImGui::BeginMenu("Open recent", !st.recent.entries().empty())) {
    for (const RecentFile& r : st.recent.entries()) {
      const std::string label =
          std::filesystem::path(r.path).filename().string() + "  (" + r.kind + ")";
      if (ImGui::MenuItem(label.c_str()))
        st.commands.push_back({Command::Kind::Open, r.path, ""});
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s", r.path.c_str());
    }
    ImGui::EndMenu();
  }
  if (ImGui::MenuItem("Export figure...", "Ctrl+E", false, has_figure(st)))
    open_file_browser(st, FileBrowserState::Mode::ExportFigure);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(has_figure(st) ? "The current tab's figure as a PNG"
                                     : "Nothing to export yet: open a picture and a model");
  if (ImGui::MenuItem("Export ratio sweep video...", nullptr, false, st.model && st.image))
    open_file_browser(st, FileBrowserState::Mode::ExportSweep);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("The Explorer's figure at ratios 0.10 to 0.95, one frame each, as a "
                      "video for slides (.mp4, or .avi); the same as mae reconstruct --sweep");
  ImGui::Separator();
  if (ImGui::MenuItem("Save view...", nullptr, false, st.model && st.image))
    open_file_browser(st, FileBrowserState::Mode::SaveView);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Save this view (model, picture, mask, tab, zoom) as a small JSON file "
                      "that reopens the same figure exactly, here or on another machine");
  if (ImGui::MenuItem("Open view..."))
    open_file_browser(st, FileBrowserState::Mode::OpenView);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Open a saved view (also: mae-studio --state VIEW.json)");
  ImGui::Separator();
  if (ImGui::BeginMenu("Lessons")) {
    if (st.present.shipped.empty())
      for (const std::string& path : shipped_lessons())
        st.present.shipped.emplace_back(path, lesson_title(path));
    for (const auto& [path, title] : st.present.shipped) {
      ImGui::PushID(path.c_str()); // two lessons may share a title
      if (ImGui::MenuItem(title.c_str()))
        st.commands.push_back({Command::Kind::OpenLesson, path, ""});
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s", path.c_str());
      ImGui::PopID();
    }
    if (ImGui::MenuItem("Open lesson..."))
      open_file_browser(st, FileBrowserState::Mode::OpenLesson);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("A lesson file: slides of views with a title and text each");
    ImGui::EndMenu();
  }
  if (ImGui::MenuItem("Present", "F5", st.present.on))
    st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Show the open lesson's slides full screen with large text (the first "
                      "shipped lesson when none is open)");
  ImGui::Separator();
  if (ImGui::MenuItem("Quit", "Ctrl+Q"))
    st.commands.push_back({Command::Kind::Quit, "", ""});
  ImGui::EndMenu();
}

void draw_view_menu(UiState& st) {
  if (!ImGui::BeginMenu("View"))
    return;
  if (ImGui::MenuItem("Explorer", "E", st.tab == Tab::Explorer))
    st.show_tab(Tab::Explorer);
  if (ImGui::MenuItem("How it works", "H", st.tab == Tab::HowItWorks))
    st.show_tab(Tab::HowItWorks);
  if (ImGui::MenuItem("Attention", "A", st.tab == Tab::Attention))
    st.show_tab(Tab::Attention);
  if (ImGui::MenuItem("Compare ratios", nullptr,
                      st.tab == Tab::Compare && st.compare_mode == CompareMode::Ratios))
    st.compare_mode = CompareMode::Ratios, st.show_tab(Tab::Compare);
  if (ImGui::MenuItem("Compare strategies", nullptr,
                      st.tab == Tab::Compare && st.compare_mode == CompareMode::Strategies))
    st.compare_mode = CompareMode::Strategies, st.show_tab(Tab::Compare);
  if (ImGui::MenuItem("Compare two models", nullptr,
                      st.tab == Tab::Compare && st.compare_mode == CompareMode::Models))
    st.compare_mode = CompareMode::Models, st.show_tab(Tab::Compare);
  if (ImGui::MenuItem("Training", nullptr, st.tab == Tab::Training))
    st.show_tab(Tab::Training);
  if (ImGui::MenuItem("Experiments", nullptr, st.tab == Tab::Experiments))
    st.show_tab(Tab::Experiments);
  ImGui::Separator();
  ImGui::MenuItem("Patch grid", "G", &st.display.grid);
  ImGui::MenuItem("Tint removed patches", "T", &st.display.tint);
  ImGui::MenuItem("Integer zoom", "I", &st.display.integer_zoom);
  if (ImGui::MenuItem("Reset zoom", "0"))
    st.explorer_view = st.compare_view = ImageView{};
  ImGui::Separator();
  draw_ui_scale_menu(st);
  ImGui::EndMenu();
}

void draw_model_menu(UiState& st) {
  if (!ImGui::BeginMenu("Model"))
    return;
  if (ImGui::MenuItem("Details...", nullptr, false, st.model != nullptr))
    st.show_model_details = true;
  if (ImGui::MenuItem("Get models..."))
    st.commands.push_back({Command::Kind::OpenGetModels, "", ""});
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Download the paper's own models (ViT-B/L visualisation weights, "
                      "HuggingFace's facebook/vit-mae-*) and open them");
  ImGui::EndMenu();
}

void draw_help_menu(UiState& st) {
  if (!ImGui::BeginMenu("Help"))
    return;
  ImGui::MenuItem("Shortcuts and help", "F1", &st.show_help);
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
