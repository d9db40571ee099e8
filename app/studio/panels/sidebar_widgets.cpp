// Small pieces both sidebars (Explorer and Training) are built from.
#include "panels.h"
#include "text_wrap.h"

#include <algorithm>
#include <cstdarg>

namespace mae::studio {

void section(const char* title) {
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
  ImGui::TextUnformatted(title);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

bool short_screen() {
  return ImGui::GetMainViewport()->WorkSize.y < 800;
}

void tooltip(const char* text) {
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    wrapped_tooltip("%s", text);
}

void wrapped_tooltip(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40.0f);
  ImGui::TextV(fmt, args);
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
  va_end(args);
}

std::string wrap_to_width(const std::string& text, float width) {
  return word_wrapped(text, width,
                      [](const std::string& s) { return ImGui::CalcTextSize(s.c_str()).x; });
}

void wrapped_text(const std::string& text, float width) {
  ImGui::PushTextWrapPos(-1.0f); // the lines are already cut to `width`
  ImGui::TextUnformatted(wrap_to_width(text, width).c_str());
  ImGui::PopTextWrapPos();
}

void dim_wrapped(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  wrapped_text(text, ImGui::GetContentRegionAvail().x);
  ImGui::PopStyleColor();
}

void same_line_if_fits(float width, float spacing) {
  // Decided before moving the cursor: a SameLine taken back with NewLine
  // would still count as content past the edge (a horizontal scroll).
  const float gap = spacing < 0 ? ImGui::GetStyle().ItemSpacing.x : spacing;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + gap + width <= right)
    ImGui::SameLine(0, spacing);
}

float labelled_width(const char* label) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float text = ImGui::CalcTextSize(label, nullptr, true).x;
  return std::max(text + 2 * style.FramePadding.x,
                  ImGui::GetFrameHeight() + style.ItemInnerSpacing.x + text);
}

void same_line_if_fits(const char* label) {
  same_line_if_fits(labelled_width(label));
}

} // namespace mae::studio
