// Edits of the mask settings shared by the sliders, the keyboard and "play".
#pragma once

#include "ui_state.h"

namespace mae::studio {

// Clamped to [kMinRatio, kMaxRatio] and rounded to 0.001, so that keyboard
// steps land on round values.
void set_ratio(UiState& state, double ratio);
// A new seed derived from the current one (splitmix64): re-rolls are reproducible.
void reroll_seed(UiState& state);
// Advances the ratio sweep by `seconds`, bouncing at the ends.
void advance_play(UiState& state, double seconds);

} // namespace mae::studio
