// Edits of the mask settings shared by the sliders, the keyboard and "play".
#pragma once

#include "ui_state.h"

namespace mae::studio {

// Clamped to [kMinRatio, kMaxRatio] and rounded to 0.001, so that keyboard
// steps land on round values.
void set_ratio(UiState& state, double ratio);
constexpr uint64_t kMaxRerolledSeed = 1000000;
// A new seed below kMaxRerolledSeed derived from the current one
// (splitmix64): re-rolls are reproducible, and short enough to read out.
void reroll_seed(UiState& state);
// The share of patches the custom mask removes (the ratio before one is painted).
double painted_ratio(const UiState& state);
// Whether the Compare tab's second model cuts pictures into another patch grid
// than the main one: a painted mask fits only the grid it was painted on.
bool second_model_has_other_grid(const UiState& state);
// What the Compare tab's second model sees when its input is not the main
// model's (another size, patch or channels), empty when it is the same: each
// MSE is on its own model's pixels.
std::string second_model_input_note(const UiState& state);
// The Explorer's mask on screen (1 = removed), or empty before the first result.
std::vector<uint8_t> shown_mask(const UiState& state);
// Switches to the custom strategy, starting from `shown` unless a custom mask
// of that size is already there. Nothing on screen yet: nothing changes.
void start_custom_mask(UiState& state, const std::vector<uint8_t>& shown);
// Paints one patch of the custom mask: removed or restored. The last kept
// patch cannot be removed (the encoder needs a token). Returns whether it changed.
bool paint_patch(UiState& state, int patch, bool removed);
// Advances the ratio sweep by `seconds`, bouncing at the ends; a painted
// mask has no ratio to sweep, and stops it.
void advance_play(UiState& state, double seconds);

} // namespace mae::studio
