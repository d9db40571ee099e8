// The numbers behind a plot: ranges that fit the data, round tick values and
// their labels, log scales, and the point nearest the pointer. No ImGui or
// GL here, so that the tests check them directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mae::studio {

using Curve = std::vector<std::pair<int64_t, double>>; // (step, value), steps increasing

struct Range {
  double lo = 0, hi = 1;
  double span() const { return hi - lo; }
};

// A tick at `at` in axis space (log10 of the value on a log axis).
struct Tick {
  double at = 0;
  std::string label;
};

// Axis space: log10(value) on a log axis, where non-positive values have no place.
std::optional<double> to_axis(double value, bool log);

// The steps the curve covers; a single point gets +-1 around it.
Range step_range(const Curve& curve);

// Its values in axis space with `margin` (a fraction of the span) on both
// sides; a flat curve gets a band around its value. nullopt when no value
// can be shown (empty, or nothing positive on a log axis).
std::optional<Range> value_range(const Curve& curve, bool log, double margin = 0.06);

// Round ticks (1, 2 or 5 x 10^k apart) inside `r`, at most `max_ticks`.
std::vector<Tick> linear_ticks(Range r, int max_ticks);
// Powers of ten inside `r` (axis space); where it spans less than about a
// decade, round values placed at their logarithms instead.
std::vector<Tick> log_ticks(Range r, int max_ticks);
// Training steps: whole numbers, "25k" from ten thousand on.
std::vector<Tick> step_ticks(Range r, int max_ticks);

// `value` with as many digits as ticks `spacing` apart need; scientific for
// very small or large numbers.
std::string format_tick(double value, double spacing);
// A value for the hover read-out: four significant digits.
std::string format_value(double value);

// The index of the point whose step is nearest to `step`; -1 when empty.
int nearest_point(const Curve& curve, double step);

// A point of a polyline on screen.
struct ScreenPoint {
  float x = 0, y = 0;
};

// The points that draw as all of `points` do: in each pixel column (from
// `left`) its first, lowest, highest and last point, in order, and never
// more than `most` in all. A long run has hundreds of
// thousands of points; ImGui's polyline keeps them on the stack and counts
// vertices in 16 bits (it drew filled blocks, then crashed).
std::vector<ScreenPoint> thin_polyline(const std::vector<ScreenPoint>& points, float left,
                                       size_t most = 16384);

// A plot's curve as last drawn: its value range and its thinned screen
// points, kept from frame to frame while the curve and the plot's frame stay
// the same. A long run's hundreds of thousands of points are then mapped and
// thinned once a snapshot, not once a frame. `owner` is what holds the curve
// (the snapshot, never changed once published), kept alive here so that its
// address cannot be reused: the same owner and curve is the same data.
struct PlotCache {
  std::shared_ptr<const void> owner;
  const Curve* curve = nullptr;
  size_t size = 0;
  bool log = false;
  std::optional<Range> values; // value_range(*curve, log)
  std::vector<double> frame;   // the plot area and axis ranges the points were made for
  std::vector<ScreenPoint> points;

  bool holds(const std::shared_ptr<const void>& by, const Curve& c, bool log_axis) const {
    return owner == by && curve == &c && size == c.size() && log == log_axis;
  }
  // Takes `c` as the cached curve, its range computed and no points yet.
  void reset(std::shared_ptr<const void> by, const Curve& c, bool log_axis);
};

} // namespace mae::studio
