#include "dialogs/dialogs.h"
#include "gl/gl.h"
#include "lesson.h"
#include "mask_controls.h"

#include <imgui.h>

#include <algorithm>

namespace mae::studio {
namespace {

const std::vector<Shortcut> kShortcuts = {
    {"Left / Right", "masking ratio -/+ 0.05 (with Shift: 0.01)"},
    {"1 / 2 / 3 / 4", "strategy random / block / grid / custom (paint on the masked panel)"},
    {"R", "re-roll the mask seed"},
    {"Up / Down", "seed +/- 1"},
    {"Space", "play / pause the ratio sweep"},
    {"E", "Explorer tab"},
    {"H", "How it works tab (Esc: back from a stage opened large)"},
    {"A", "Attention tab (click a patch to see where it attends)"},
    {"C", "Compare tab (again: ratios, strategies, two models)"},
    {"P", "Training tab (pretrain a small MAE, or follow a run)"},
    {"X", "Experiments tab (the paper's ablations re-run)"},
    {"+ / - / 0", "zoom in / out / reset (also: mouse wheel, drag, double-click)"},
    {"Ctrl+O", "open an image or model"},
    {"Ctrl+E", "export the current figure as PNG"},
    {"F5", "Present mode: the lesson's slides full screen (Left / Right step, Esc leaves)"},
    {"F1", "this help"},
    {"Ctrl+Q", "quit"},
};

// While presenting, these replace all the others (a clicker sends the arrows and Page keys).
const std::vector<Shortcut> kPresentShortcuts = {
    {"Right / Page Down / Space", "next slide"},
    {"Left / Page Up", "previous slide"},
    {"Esc", "back from a stage opened large, else leave Present mode"},
    {"F5", "leave Present mode (the other keys work again)"},
    {"Ctrl+O / Ctrl+E / Ctrl+Q", "open a file, export the figure, quit"},
    {"F1", "this help"},
};

} // namespace

const std::vector<Shortcut>& present_shortcuts_table() {
  return kPresentShortcuts;
}

const std::vector<Shortcut>& shortcuts() {
  // The display switches' keys go before the zoom keys.
  static const std::vector<Shortcut> all = [] {
    std::vector<Shortcut> list = kShortcuts;
    auto at = std::find_if(list.begin(), list.end(),
                           [](const Shortcut& s) { return s.keys == std::string("+ / - / 0"); });
    for (const DisplayToggle& t : kDisplayToggles)
      at = list.insert(at, {t.key, t.label}) + 1;
    return list;
  }();
  return all;
}

namespace {

bool pressed(int key) {
  return ImGui::IsKeyPressed(key, false);
}
bool repeated(int key) {
  return ImGui::IsKeyPressed(key, true);
}

void ctrl_shortcuts(UiState& st) {
  if (pressed(GLFW_KEY_O))
    open_file_browser(st, FileBrowserState::Mode::Open);
  if (pressed(GLFW_KEY_E) && st.has_figure())
    open_file_browser(st, FileBrowserState::Mode::ExportFigure);
  if (pressed(GLFW_KEY_Q))
    st.commands.push_back({Command::Kind::Quit, "", ""});
}

// Presenting: the arrows (and a clicker's Page keys) step through the slides.
void present_shortcuts(UiState& st) {
  PresentUi& p = st.present;
  const int slides = p.lesson ? static_cast<int>(p.lesson->slides.size()) : 0;
  if (repeated(GLFW_KEY_RIGHT) || repeated(GLFW_KEY_PAGE_DOWN) || pressed(GLFW_KEY_SPACE)) {
    // Past the last slide would show it again, undoing what the teacher changed on it.
    if (p.slide + 1 < slides)
      p.requested = p.slide + 1;
    else
      st.status = "the last slide: F5 or Esc ends the presentation";
  }
  if ((repeated(GLFW_KEY_LEFT) || repeated(GLFW_KEY_PAGE_UP)) && p.slide > 0)
    p.requested = p.slide - 1;
  if (pressed(GLFW_KEY_ESCAPE)) {
    if (st.tab == Tab::HowItWorks && st.how.detail_stage >= 0)
      st.how.detail_stage = -1; // back to all stages first, as the help says
    else
      st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  }
}

// The tabs that show the mask: on Training and Experiments these keys would
// change a mask no one sees.
bool shows_the_mask(Tab tab) {
  return tab == Tab::Explorer || tab == Tab::HowItWorks || tab == Tab::Attention ||
         tab == Tab::Compare;
}

// Keys of the ratio, seed and sweep with a painted mask: said, not ignored.
bool painted_mask_keeps(UiState& st) {
  const bool asked = repeated(GLFW_KEY_LEFT) || repeated(GLFW_KEY_RIGHT) || pressed(GLFW_KEY_R) ||
                     repeated(GLFW_KEY_UP) || repeated(GLFW_KEY_DOWN) || pressed(GLFW_KEY_SPACE);
  if (asked)
    st.status = "your painted mask decides which patches are removed: press 1, 2 or 3 for a "
                "ratio and a seed again";
  return asked;
}

void mask_shortcuts(UiState& st, bool fine) {
  if (!shows_the_mask(st.tab))
    return;
  if (pressed(GLFW_KEY_1))
    st.mask.strategy = MaskStrategy::Random;
  if (pressed(GLFW_KEY_2))
    st.mask.strategy = MaskStrategy::Block;
  if (pressed(GLFW_KEY_3))
    st.mask.strategy = MaskStrategy::Grid;
  if (pressed(GLFW_KEY_4))
    start_custom_mask(st, shown_mask(st));
  if (st.mask.strategy == MaskStrategy::Custom && painted_mask_keeps(st))
    return;
  const double step = fine ? 0.01 : 0.05;
  if (repeated(GLFW_KEY_LEFT))
    set_ratio(st, st.mask.ratio - step);
  if (repeated(GLFW_KEY_RIGHT))
    set_ratio(st, st.mask.ratio + step);
  if (pressed(GLFW_KEY_R))
    reroll_seed(st);
  if (repeated(GLFW_KEY_UP) && st.mask.seed < kMaxMaskSeed)
    ++st.mask.seed;
  if (repeated(GLFW_KEY_DOWN) && st.mask.seed > 0)
    --st.mask.seed;
  if (pressed(GLFW_KEY_SPACE))
    st.play.playing = !st.play.playing;
}

void tab_shortcuts(UiState& st) {
  if (pressed(GLFW_KEY_E))
    st.show_tab(Tab::Explorer);
  if (pressed(GLFW_KEY_A))
    st.show_tab(Tab::Attention);
  if (pressed(GLFW_KEY_H))
    st.show_tab(Tab::HowItWorks);
  if (pressed(GLFW_KEY_P))
    st.show_tab(Tab::Training);
  if (pressed(GLFW_KEY_X))
    st.show_tab(Tab::Experiments);
  if (pressed(GLFW_KEY_ESCAPE) && st.tab == Tab::HowItWorks)
    st.how.detail_stage = -1;
  if (pressed(GLFW_KEY_C)) { // again on Compare: the next comparison
    if (st.tab == Tab::Compare)
      st.compare_mode = st.compare_mode == CompareMode::Ratios       ? CompareMode::Strategies
                        : st.compare_mode == CompareMode::Strategies ? CompareMode::Models
                                                                     : CompareMode::Ratios;
    st.show_tab(Tab::Compare);
  }
}

void display_shortcuts(UiState& st) {
  for (const DisplayToggle& t : kDisplayToggles)
    if (pressed(t.key[0])) // GLFW_KEY_G is 'G'
      st.display.*t.flag = !(st.display.*t.flag);
  ImageView& view = st.zoomed_view();
  if (repeated(GLFW_KEY_EQUAL) || repeated(GLFW_KEY_KP_ADD))
    view.zoom = std::min(view.zoom * 1.25f, 64.0f);
  if (repeated(GLFW_KEY_MINUS) || repeated(GLFW_KEY_KP_SUBTRACT))
    view.zoom = std::max(view.zoom * 0.8f, 1.0f);
  if (pressed(GLFW_KEY_0) || pressed(GLFW_KEY_KP_0))
    st.reset_zoom();
}

} // namespace

void handle_shortcuts(UiState& st) {
  const ImGuiIO& io = ImGui::GetIO();
  // Typing into a field, or a modal dialog up: the keys belong to it.
  if (io.WantTextInput || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId))
    return;
  if (io.KeyCtrl) {
    ctrl_shortcuts(st);
    return;
  }
  if (pressed(GLFW_KEY_F5))
    st.commands.push_back({Command::Kind::TogglePresent, "", ""});
  if (pressed(GLFW_KEY_F1))
    st.show_help = !st.show_help;
  if (st.show_help && pressed(GLFW_KEY_ESCAPE)) { // closes Help first, as other dialogs
    st.show_help = false;
    return;
  }
  if (st.present.on) {
    present_shortcuts(st);
    return;
  }
  mask_shortcuts(st, io.KeyShift);
  tab_shortcuts(st);
  display_shortcuts(st);
}

} // namespace mae::studio
