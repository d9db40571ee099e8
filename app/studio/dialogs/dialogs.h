// Windows and popups over the main window, and the keyboard. Like the
// panels they read and edit UiState and queue Commands.
#pragma once

#include "ui_state.h"

#include <imgui.h>

#include <vector>

namespace mae::studio {

void draw_menu_bar(UiState& state);
void draw_error_popup(UiState& state);  // one queued error at a time, modal
void draw_arch_dialog(UiState& state);  // architecture of an official .pth
void draw_file_browser(UiState& state); // Open... and Export figure...
void draw_help_window(UiState& state);
void draw_model_details(UiState& state);
void draw_get_models_dialog(UiState& state); // Model > Get models...
void draw_stopping_dialog(UiState& state);   // the window closed mid-run: saving a checkpoint

struct Shortcut {
  const char* keys;
  const char* action;
};
// What handle_shortcuts does, for the Help window (and the README).
const std::vector<Shortcut>& shortcuts();
// The keys of Present mode, which replace all the others while it is on.
const std::vector<Shortcut>& present_shortcuts_table();
void handle_shortcuts(UiState& state);

// The next window, when it appears: centred, `size` or the screen less a
// margin, whichever is smaller (a 1024 x 768 projector in large text).
void next_window_centred(ImVec2 size);

// Opens the file browser in `mode`, starting next to the current image.
void open_file_browser(UiState& state, FileBrowserState::Mode mode);

} // namespace mae::studio
