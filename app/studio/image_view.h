// How a panel shows its picture and where it landed: plain data shared by
// UiState, the panels and the renderer.
#pragma once

namespace mae::studio {

// Zoom (1 = fit) and the image point at the panel's centre, as fractions of
// its size. Shared by the panels of one tab so that they stay aligned.
struct ImageView {
  float zoom = 1.0f;
  float cx = 0.5f, cy = 0.5f;
};

// Where a panel's picture landed, in framebuffer pixels (what a screenshot
// shows), and how many of them one image texel covers.
struct DrawnRect {
  int x = 0, y = 0, w = 0, h = 0;
  float pixels_per_texel = 0;
};

} // namespace mae::studio
