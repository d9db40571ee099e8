// How the pictures are drawn, and the three switches for it that the View
// menu, the sidebar, a key and the shortcut list all offer: one table, so that
// they say the same thing.
#pragma once

namespace mae::studio {

struct DisplayOptions {
  bool grid = false;         // patch grid over every panel
  bool tint = false;         // tint removed patches in the reconstructions
  bool integer_zoom = false; // whole screen pixels per image pixel
  // Compare: Telea's inpainting under the reconstructions. Off, the pictures
  // grow half as large again (two rows instead of three): a small projector.
  bool compare_inpainting = true;
};

struct DisplayToggle {
  bool DisplayOptions::*flag;
  const char* label;       // the View menu's
  const char* short_label; // the sidebar's checkbox
  const char* key;         // one upper-case letter: GLFW's key code for it is its ASCII
  const char* tip;
};

inline constexpr DisplayToggle kDisplayToggles[] = {
    {&DisplayOptions::grid, "Patch grid", "Patch grid", "G",
     "Draw the patch boundaries over the pictures"},
    {&DisplayOptions::tint, "Tint removed patches", "Tint removed", "T",
     "Colour the removed patches in the reconstructions, so that what the model had to guess "
     "stands out"},
    {&DisplayOptions::integer_zoom, "Integer zoom", "Integer zoom", "I",
     "Whole screen pixels per picture pixel: sharp, with no blur from resampling"},
};

} // namespace mae::studio
