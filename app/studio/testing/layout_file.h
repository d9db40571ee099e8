// The --layout JSON: where each panel's picture and each popup landed in the
// screenshot, plus what is shown, so that tests can check pixels robustly.
#pragma once

#include "ui_state.h"

#include <string>

namespace mae::studio {

std::string layout_json(const UiState& state, int framebuffer_width, int framebuffer_height);

} // namespace mae::studio
