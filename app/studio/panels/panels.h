// The panels of the main window. Each draws from UiState and the uploaded
// textures, and queues Commands for anything the app must do.
#pragma once

#include "gl/image_renderer.h"
#include "gl/preview_textures.h"
#include "gl/result_textures.h"
#include "ui_state.h"

#include <imgui.h>

#include <optional>
#include <string>
#include <vector>

namespace mae::studio {

struct PanelContext {
  UiState& state;
  ImageRenderer* renderer; // null when the shaders failed to build
  const ResultTextures& explorer;
  const ResultTextures& compare;
  const Texture& preview;
  const PreviewTextures& training_previews;
  const Texture& sweep_plot; // the Experiments tab's figure
};

void draw_controls_panel(PanelContext& ctx);       // sidebar: model, image, masking, display
void draw_reconstruction_panel(PanelContext& ctx); // Explorer tab
void draw_how_it_works_panel(PanelContext& ctx);   // How it works tab: the forward's stages
void draw_attention_panel(PanelContext& ctx);      // Attention tab: maps and position embeddings
void draw_compare_panel(PanelContext& ctx);        // Compare tab
void draw_training_panel(PanelContext& ctx);       // Training tab: progress, curves, previews
void draw_training_sidebar(PanelContext& ctx);     // its sidebar: config, data, Start, log
void draw_experiments_panel(PanelContext& ctx);    // Experiments tab: a sweep's table and plot
void draw_status_bar(PanelContext& ctx);

// A titled square picture with caption lines under it, at the cursor. The
// wheel zooms and dragging pans `view` (double-click resets it); `name`
// identifies the panel in --layout. Returns the hovered image texel, if any.
struct PanelHit {
  std::optional<ImVec2> texel; // the image texel under the pointer
  ImVec2 min, max;             // the picture's square, ImGui coordinates
};
// `drag_pans` false leaves dragging to the caller (painting a mask). A
// `text_width` wider than `side` gives the title and captions that width, the
// picture centred under them (a column with room to spare).
PanelHit image_panel(PanelContext& ctx, const char* name, const std::string& title,
                     const PanelImage& image, ImageView& view, float side,
                     const std::vector<std::string>& caption, bool drag_pans = true,
                     float text_width = 0);

// `text` cut to fit `width` with "...", for one-line captions (the full text
// then goes in a tooltip).
std::string shortened(const std::string& text, float width);

// The first of `forms` (longest first) that fits `width`, else the last: a
// narrow window (a classroom projector) keeps a caption's number instead of
// cutting it.
std::string fitting(const std::vector<std::string>& forms, float width);

// How many patches the mask of `r` removed (captions say "147 of 196 removed").
int removed_count(const ReconstructionResult& r);

// Height image_panel takes beyond `side` for a title and `caption_lines`.
float image_panel_extra_height(int caption_lines);

// Sidebar section heading: spacing, an accent-coloured title, a separator.
void section(const char* title);
// What the control just drawn does, shown when the pointer rests on it (also
// while it is disabled, saying why it would be used). Every control has one.
void tooltip(const char* text);
// A tooltip now, its text wrapped at about 40 characters' width: on one line,
// a long explanation ran off a projector's screen.
void wrapped_tooltip(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Under 800 px of height the sidebars drop their hints (the tooltips say the
// same), so that every control stays in view at 1280 x 720.
bool short_screen();
// The wider of a button and a radio button or checkbox labelled `label`.
float labelled_width(const char* label);
// Before a button, radio button or checkbox of a row: on the same line when
// `label` still fits the window (a sidebar in Present mode's large text), else
// on the next.
void same_line_if_fits(const char* label);
// An item `width` wide (a slider), `spacing` after the previous one (-1: the style's).
void same_line_if_fits(float width, float spacing = -1);
// `text` broken at spaces only into '\n'-separated lines at most `width` wide
// in the current font (numbers like 0.75 stay whole).
std::string wrap_to_width(const std::string& text, float width);
// Text drawn wrapped that way.
void wrapped_text(const std::string& text, float width);
// Wrapped text in the dimmed colour, for explanations under a control.
void dim_wrapped(const std::string& text);

// A message centred in the space left in the current window.
void centred_message(const std::string& text);

// A training run is Running or Paused.
bool training_under_way(const UiState& state);

// The current ImGui window's rectangle in framebuffer pixels.
DrawnRect current_window_rect();

// The Explorer's newest result is on the GPU: true; otherwise the reason is
// shown in the panel's place and the panel draws nothing else.
bool explorer_ready(PanelContext& ctx);

// Why the main area has no pictures yet (no model, no image, loading, error),
// or "" when there is a result to show.
std::string waiting_reason(const UiState& state, const TabResults& results);

} // namespace mae::studio
