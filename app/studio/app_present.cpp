// Lessons and Present mode: open a lesson, step through its slides (each sets
// a view, the ratio sliding to its value so that a class sees the change),
// full screen with large text.
#include "app.h"
#include "failure_text.h"

#include "lesson.h"
#include "panels/panels.h"
#include "panels/patch_grid.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace mae::studio {
namespace {

// The monitor holding the window's centre (the projector the teacher dragged
// it to), else the primary one.
GLFWmonitor* monitor_of(GLFWwindow* window) {
  int x = 0, y = 0, w = 0, h = 0;
  glfwGetWindowPos(window, &x, &y);
  glfwGetWindowSize(window, &w, &h);
  const int cx = x + w / 2, cy = y + h / 2;
  int count = 0;
  GLFWmonitor** monitors = glfwGetMonitors(&count);
  for (int i = 0; i < count; ++i) {
    int mx = 0, my = 0;
    glfwGetMonitorPos(monitors[i], &mx, &my);
    const GLFWvidmode* mode = glfwGetVideoMode(monitors[i]);
    if (mode && cx >= mx && cx < mx + mode->width && cy >= my && cy < my + mode->height)
      return monitors[i];
  }
  return glfwGetPrimaryMonitor();
}

constexpr double kRatioPerSecond = 0.6; // how fast the ratio slides to a slide's value
constexpr float kTitleScale = 1.35f;    // a slide's title, against its text

} // namespace

void App::open_lesson(const std::string& path) {
  try {
    auto lesson = std::make_shared<const Lesson>(read_lesson(path));
    PresentUi& p = state_.present;
    p.lesson = std::move(lesson);
    p.path = path;
    p.slide = -1;
    p.requested = 0;
    state_.status = "opened the lesson " + path + " (F5: present)";
  } catch (const Error& e) {
    state_.errors.push_back({"Cannot open the lesson", failure_text(path, e.what())});
  }
}

void App::go_to_slide(int index) {
  PresentUi& p = state_.present;
  if (!p.lesson || p.lesson->slides.empty())
    return;
  index = std::clamp(index, 0, static_cast<int>(p.lesson->slides.size()) - 1);
  const Slide& s = p.lesson->slides[static_cast<size_t>(index)];
  const double from = state_.mask.ratio;
  const bool slide_ratio = p.slide >= 0 && s.view.mask.strategy != MaskStrategy::Custom &&
                           state_.mask.strategy != MaskStrategy::Custom;
  apply_view(state_, s.view);
  load_view_files(s.view);
  if (!s.sweep.empty() && s.sweep != state_.experiments.path)
    choose_sweep(s.sweep);
  p.target_ratio = -1;
  if (slide_ratio && std::fabs(from - state_.mask.ratio) > 1e-9) {
    p.target_ratio = state_.mask.ratio;
    state_.mask.ratio = from;
  }
  p.slide = p.requested = index;
}

void App::update_present(double dt) {
  PresentUi& p = state_.present;
  if (p.requested != p.slide && p.requested >= 0)
    go_to_slide(p.requested);
  if (p.target_ratio < 0)
    return;
  const double step = kRatioPerSecond * std::max(dt, 1.0 / 60);
  const double gap = p.target_ratio - state_.mask.ratio;
  if (std::fabs(gap) <= step) {
    state_.mask.ratio = p.target_ratio;
    p.target_ratio = -1;
  } else {
    state_.mask.ratio = std::round((state_.mask.ratio + std::copysign(step, gap)) * 1000) / 1000;
  }
}

void App::set_present(bool on) {
  PresentUi& p = state_.present;
  if (on && !p.lesson) {
    const std::vector<std::string> lessons = shipped_lessons();
    if (lessons.empty()) {
      state_.errors.push_back({"No lesson to present",
                               "Open a lesson first (File > Open lesson...): none is shipped in " +
                                   std::string("assets/lessons/.")});
      return;
    }
    open_lesson(lessons.front());
    if (!p.lesson)
      return;
  }
  p.on = on;
  if (on && p.slide < 0 && p.requested < 0)
    p.requested = 0;
  // Full screen on the window's monitor; headless runs keep their size.
  if (options_.headless())
    return;
  GLFWmonitor* monitor = monitor_of(window_);
  if (on && monitor && !glfwGetWindowMonitor(window_)) {
    glfwGetWindowPos(window_, &windowed_[0], &windowed_[1]);
    glfwGetWindowSize(window_, &windowed_[2], &windowed_[3]);
    const GLFWvidmode* mode = glfwGetVideoMode(monitor);
    glfwSetWindowMonitor(window_, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
  } else if (!on && glfwGetWindowMonitor(window_)) {
    glfwSetWindowMonitor(window_, nullptr, windowed_[0], windowed_[1], windowed_[2], windowed_[3],
                         0);
  }
}

void App::draw_slide_header() {
  UiState& st = state_;
  const Slide* slide = current_slide(st);
  if (!slide)
    return;
  const PresentUi& p = st.present;
  const int count = static_cast<int>(p.lesson->slides.size());
  // The buttons sit at the top right; the title takes the width left of them,
  // in smaller letters or on two lines when it is long (a 1024 x 768
  // projector), and the header grows to hold the title and the text.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float w = ImGui::GetFrameHeight() * 1.2f;
  const float inner = ImGui::GetContentRegionAvail().x - 2 * style.WindowPadding.x;
  const float title_width = inner - 3 * w - 8 - style.ItemSpacing.x;
  const float text_width = inner * 0.86f;
  const std::string title = printf_string("%d / %d   %s", p.slide + 1, count, slide->title.c_str());
  const float scale =
      std::clamp(0.97f * title_width / std::max(1.0f, ImGui::CalcTextSize(title.c_str()).x), 1.0f,
                 kTitleScale);
  // Measured in the text's size: the title's width scaled down instead.
  const float title_height =
      ImGui::CalcTextSize(wrap_to_width(title, title_width / scale).c_str()).y * scale;
  const float text_height = ImGui::CalcTextSize(wrap_to_width(slide->text, text_width).c_str()).y;
  const float height =
      std::max(ImGui::GetTextLineHeightWithSpacing() * 5.2f,
               title_height + text_height + 2 * style.WindowPadding.y + 2 * style.ItemSpacing.y);
  ImGui::BeginChild("slide", {0, height}, true);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
  ImGui::SetWindowFontScale(scale);
  wrapped_text(title, title_width);
  ImGui::SetWindowFontScale(1.0f);
  ImGui::PopStyleColor();
  st.panel_rects.push_back(
      {"slide_title", framebuffer_rect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax())});
  wrapped_text(slide->text, text_width);
  st.panel_rects.push_back({"slide", current_window_rect()});
  // Buttons on the right: a class's presenter may use a clicker or the mouse.
  ImGui::SetCursorPos({style.WindowPadding.x + title_width + style.ItemSpacing.x, 6});
  const ImVec2 buttons_min = ImGui::GetCursorScreenPos();
  ImGui::BeginDisabled(p.slide == 0);
  if (ImGui::ArrowButton("previous_slide", ImGuiDir_Left))
    st.present.requested = p.slide - 1;
  ImGui::EndDisabled();
  tooltip("The slide before (Left, Page Up)");
  ImGui::SameLine();
  ImGui::BeginDisabled(p.slide + 1 >= count);
  if (ImGui::ArrowButton("next_slide", ImGuiDir_Right))
    st.present.requested = p.slide + 1;
  ImGui::EndDisabled();
  tooltip("The next slide (Right, Page Down, Space)");
  ImGui::SameLine();
  if (ImGui::Button("x", {w, 0}))
    st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  tooltip("Leave Present mode (Esc, F5)");
  st.panel_rects.push_back(
      {"slide_buttons", framebuffer_rect(buttons_min, ImGui::GetItemRectMax())});
  ImGui::EndChild();
}

// A lesson open in the window (File > Lessons, --lesson) before Present mode:
// one line naming the slide whose view is shown, with the buttons to step
// through the slides, present them, or close the lesson.
void App::draw_lesson_bar() {
  UiState& st = state_;
  PresentUi& p = st.present;
  if (p.on || !p.lesson || p.slide < 0 || p.slide >= static_cast<int>(p.lesson->slides.size()))
    return;
  const int count = static_cast<int>(p.lesson->slides.size());
  const ImVec2 bar_min = ImGui::GetCursorScreenPos();
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered), "%s",
                     printf_string("Lesson \"%s\", slide %d / %d: %s", p.lesson->title.c_str(),
                                   p.slide + 1, count,
                                   p.lesson->slides[static_cast<size_t>(p.slide)].title.c_str())
                         .c_str());
  tooltip(p.lesson->slides[static_cast<size_t>(p.slide)].text.c_str());
  const float buttons = ImGui::GetFrameHeight() * 2 + ImGui::CalcTextSize("Present (F5)").x +
                        ImGui::CalcTextSize("Close").x + ImGui::GetStyle().FramePadding.x * 4 +
                        ImGui::GetStyle().ItemSpacing.x * 4;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetContentRegionMax().x - buttons));
  ImGui::BeginDisabled(p.slide == 0);
  if (ImGui::ArrowButton("lesson_previous", ImGuiDir_Left))
    p.requested = p.slide - 1;
  ImGui::EndDisabled();
  tooltip("The slide before: its view (picture, mask, tab) replaces this one");
  ImGui::SameLine();
  ImGui::BeginDisabled(p.slide + 1 >= count);
  if (ImGui::ArrowButton("lesson_next", ImGuiDir_Right))
    p.requested = p.slide + 1;
  ImGui::EndDisabled();
  tooltip("The next slide: its view (picture, mask, tab) replaces this one");
  ImGui::SameLine();
  if (ImGui::Button("Present (F5)"))
    st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  tooltip("Full screen with large text and each slide's words above the view, for a class "
          "(Esc leaves)");
  ImGui::SameLine();
  if (ImGui::Button("Close")) {
    p.lesson.reset();
    p.slide = p.requested = -1;
    st.status = "closed the lesson";
  }
  tooltip("Close the lesson; the view stays as it is");
  st.panel_rects.push_back({"lesson_bar", framebuffer_rect(bar_min, ImGui::GetItemRectMax())});
}

} // namespace mae::studio
