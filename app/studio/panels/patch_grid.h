// Drawing on the patch grid with ImGui's draw list, shared by the How-it-works
// and Attention tabs: a picture's rectangle split into cells (one per patch),
// filled, outlined, hit-tested; captions that never wrap.
#pragma once

#include "eval/colormap.h"
#include "gl/texture.h"
#include "image_view.h"

#include <imgui.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mae::studio {

const ImU32 kHighlight = IM_COL32(255, 215, 0, 255); // the selected or hovered patch
const ImU32 kDark = IM_COL32(38, 38, 42, 255);       // patches a stage leaves out

std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A picture's rectangle, split into cols x rows cells.
struct Frame {
  ImVec2 min, max;
  int cols = 1, rows = 1;
  ImVec2 cell() const { return {(max.x - min.x) / cols, (max.y - min.y) / rows}; }
  ImVec2 cell_min(int index) const;
  // The cell under the pointer, or -1.
  int hovered_cell() const;
};

// A cols x rows grid fitted in the square at `at`, centred.
Frame fit(ImVec2 at, float side, int cols, int rows);

ImTextureID texture_id(const Texture& t);
void draw_texture(ImDrawList* dl, const Texture& t, const Frame& f);
void fill_cell(ImDrawList* dl, const Frame& f, int index, ImU32 colour);
// Grey with a diagonal: a patch left out of a measure (the loss), which no
// colour of a scale starting at black could say.
void cross_out_cell(ImDrawList* dl, const Frame& f, int index);
void outline_cell(ImDrawList* dl, const Frame& f, int index, ImU32 colour, float thickness);
void grid_lines(ImDrawList* dl, const Frame& f, ImU32 colour);
// Colour i of packed RGB bytes.
ImU32 rgb_at(const std::vector<uint8_t>& rgb, size_t i, uint8_t alpha = 255);

// One caption line that never wraps: shortened to `width`, the whole line in
// a tooltip when it was cut. Returns what was shown (for --layout).
std::string caption_line(const std::string& text, float width, bool dim);

// A line of text's height, `width` wide, at `at`: `lo` and `hi` at its ends,
// the colour scale between them, `tooltip` on hover. Moves no cursor (it may
// fill a line a panel has already reserved). Returns the scale's rectangle in
// framebuffer pixels (for --layout).
DrawnRect draw_colour_scale(ImVec2 at, float width, Colormap colormap, const std::string& lo,
                            const std::string& hi, const std::string& tooltip);

// draw_colour_scale on a line of its own at the cursor.
DrawnRect colour_scale_line(Colormap colormap, const std::string& lo, const std::string& hi,
                            float width, const std::string& tooltip);

// ImGui coordinates to framebuffer pixels, for --layout.
DrawnRect framebuffer_rect(ImVec2 min, ImVec2 max);

} // namespace mae::studio
