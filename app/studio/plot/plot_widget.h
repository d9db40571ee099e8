// A line plot over ImGui's draw list (ImPlot is not available): axes with
// round tick labels, an optional log scale, ranges fitted to the data every
// frame, and the nearest point's (step, value) under the pointer. The
// numbers come from plot_axis.h.
#pragma once

#include "panels/panels.h"
#include "plot/plot_axis.h"

#include <memory>
#include <optional>

namespace mae::studio {

struct PlotSpec {
  const char* name;  // the plot area's name in --layout
  const char* title; // above the plot, with the newest value
  const Curve* curve;
  ImU32 colour;
  const char* unit = "";      // after values, e.g. "%"
  bool log_toggle = false;    // offer a log-scale checkbox
  std::optional<Range> steps; // a step range shared with other plots
};

// Draws at the cursor in a `size` box (title row included). `owner` holds the
// curve and never changes it (the snapshot; see PlotCache).
void draw_plot(PanelContext& ctx, const PlotSpec& spec, PlotOptions& options, ImVec2 size,
               const std::shared_ptr<const void>& owner);

} // namespace mae::studio
