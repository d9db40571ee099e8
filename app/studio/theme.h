// Fonts and style at the window's content scale, so that text stays legible
// on high-DPI screens.
#pragma once

namespace mae::studio {

// Rebuilds the font atlas and style for `scale`; the caller re-uploads the
// font texture when the renderer is already running.
void apply_theme(float scale);

} // namespace mae::studio
