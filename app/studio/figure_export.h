// The PNG that File > Export figure writes.
#pragma once

#include "ui_state.h"

#include "data/image.h"

namespace mae::studio {

// Explorer: exactly the figure `mae reconstruct` writes (demo_figure).
// Compare: its columns, masked over reconstruction + visible, captioned.
// Throws UsageError when the tab has no reconstruction yet.
Image current_figure(const UiState& state);

} // namespace mae::studio
