#include "panels/patch_grid.h"

#include "panels/panels.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace mae::studio {

std::string printf_string(const char* fmt, ...) {
  char buf[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

ImVec2 Frame::cell_min(int index) const {
  const ImVec2 c = cell();
  return {min.x + c.x * static_cast<float>(index % cols),
          min.y + c.y * static_cast<float>(index / cols)};
}

int Frame::hovered_cell() const {
  if (!ImGui::IsMouseHoveringRect(min, max))
    return -1;
  const ImVec2 m = ImGui::GetMousePos(), c = cell();
  const int x = std::clamp(static_cast<int>((m.x - min.x) / c.x), 0, cols - 1);
  const int y = std::clamp(static_cast<int>((m.y - min.y) / c.y), 0, rows - 1);
  return y * cols + x;
}

Frame fit(ImVec2 at, float side, int cols, int rows) {
  const float scale = side / static_cast<float>(std::max(cols, rows));
  const float w = scale * static_cast<float>(cols), h = scale * static_cast<float>(rows);
  Frame f;
  f.min = {at.x + (side - w) / 2, at.y + (side - h) / 2};
  f.max = {f.min.x + w, f.min.y + h};
  f.cols = cols;
  f.rows = rows;
  return f;
}

ImTextureID texture_id(const Texture& t) {
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t.id()));
}

void draw_texture(ImDrawList* dl, const Texture& t, const Frame& f) {
  dl->AddImage(texture_id(t), f.min, f.max);
}

void fill_cell(ImDrawList* dl, const Frame& f, int index, ImU32 colour) {
  const ImVec2 a = f.cell_min(index), c = f.cell();
  dl->AddRectFilled(a, {a.x + c.x, a.y + c.y}, colour);
}

void cross_out_cell(ImDrawList* dl, const Frame& f, int index) {
  const ImVec2 a = f.cell_min(index), c = f.cell();
  dl->AddRectFilled(a, {a.x + c.x, a.y + c.y}, IM_COL32(92, 92, 100, 255));
  dl->AddLine({a.x + 1, a.y + c.y - 1}, {a.x + c.x - 1, a.y + 1}, IM_COL32(150, 150, 160, 255));
}

void outline_cell(ImDrawList* dl, const Frame& f, int index, ImU32 colour, float thickness) {
  const ImVec2 a = f.cell_min(index), c = f.cell();
  dl->AddRect({a.x + thickness / 2, a.y + thickness / 2},
              {a.x + c.x - thickness / 2, a.y + c.y - thickness / 2}, colour, 0, 0, thickness);
}

void grid_lines(ImDrawList* dl, const Frame& f, ImU32 colour) {
  const ImVec2 c = f.cell();
  for (int x = 1; x < f.cols; ++x)
    dl->AddLine({f.min.x + c.x * x, f.min.y}, {f.min.x + c.x * x, f.max.y}, colour);
  for (int y = 1; y < f.rows; ++y)
    dl->AddLine({f.min.x, f.min.y + c.y * y}, {f.max.x, f.min.y + c.y * y}, colour);
}

ImU32 rgb_at(const std::vector<uint8_t>& rgb, size_t i, uint8_t alpha) {
  return IM_COL32(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], alpha);
}

std::string caption_line(const std::string& text, float width, bool dim) {
  const std::string shown = shortened(text, width);
  if (dim)
    ImGui::TextDisabled("%s", shown.c_str());
  else
    ImGui::TextUnformatted(shown.c_str());
  if (shown != text && ImGui::IsItemHovered())
    wrapped_tooltip("%s", text.c_str());
  return shown;
}

DrawnRect draw_colour_scale(ImVec2 at, float width, Colormap colormap, const std::string& lo,
                            const std::string& hi, const std::string& tooltip) {
  const float line = ImGui::GetTextLineHeight();
  if (ImGui::IsWindowHovered() && ImGui::IsMouseHoveringRect(at, {at.x + width, at.y + line}))
    wrapped_tooltip("%s", tooltip.c_str());
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const float hi_w = ImGui::CalcTextSize(hi.c_str()).x;
  dl->AddText(at, text, lo.c_str());
  dl->AddText({at.x + width - hi_w, at.y}, text, hi.c_str());
  const float gap = ImGui::GetStyle().ItemInnerSpacing.x; // scales with --ui-scale
  const ImVec2 min{at.x + ImGui::CalcTextSize(lo.c_str()).x + gap, at.y + line * 0.2f};
  const ImVec2 max{at.x + width - hi_w - gap, at.y + line * 0.85f};
  constexpr int kSteps = 64;
  std::vector<float> ramp(kSteps);
  for (int i = 0; i < kSteps; ++i)
    ramp[static_cast<size_t>(i)] = static_cast<float>(i) / (kSteps - 1);
  const Image rgb = colorize(ramp, kSteps, 1, 0.0f, 1.0f, colormap);
  const float step = (max.x - min.x) / kSteps;
  for (int i = 0; i < kSteps; ++i)
    dl->AddRectFilled({min.x + step * i, min.y}, {min.x + step * (i + 1), max.y},
                      rgb_at(rgb.pixels, static_cast<size_t>(i)));
  return framebuffer_rect(min, max);
}

DrawnRect colour_scale_line(Colormap colormap, const std::string& lo, const std::string& hi,
                            float width, const std::string& tooltip) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::Dummy({width, ImGui::GetTextLineHeight()});
  return draw_colour_scale(at, width, colormap, lo, hi, tooltip);
}

DrawnRect framebuffer_rect(ImVec2 min, ImVec2 max) {
  const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
  DrawnRect r;
  r.x = static_cast<int>(min.x * fb.x);
  r.y = static_cast<int>(min.y * fb.y);
  r.w = static_cast<int>((max.x - min.x) * fb.x);
  r.h = static_cast<int>((max.y - min.y) * fb.y);
  return r;
}

} // namespace mae::studio
