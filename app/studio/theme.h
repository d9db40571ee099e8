// Fonts and style at the window's content scale, so that text stays legible
// on high-DPI screens.
#pragma once

namespace mae::studio {

// Rebuilds the font atlas and style for `scale`; the caller re-uploads the
// font texture when the renderer is already running.
// `text_scale` enlarges the fonts alone (Present mode: the layout keeps its
// room for the pictures).
void apply_theme(float scale, float text_scale = 1.0f);

} // namespace mae::studio
