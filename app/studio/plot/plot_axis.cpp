#include "plot/plot_axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mae::studio {
namespace {

// How many multiples of `step` fall inside [lo, hi].
double count_multiples(double lo, double hi, double step) {
  return std::floor(hi / step + 1e-9) - std::ceil(lo / step - 1e-9) + 1;
}

// The smallest 1, 2 or 5 x 10^k that puts at most `max_ticks` ticks in `r`.
double round_step(Range r, int max_ticks) {
  double p = std::pow(10.0, std::floor(std::log10(r.span() / max_ticks)));
  for (;; p *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (count_multiples(r.lo, r.hi, m * p) <= max_ticks)
        return m * p;
}

// Multiples of `step` inside [lo, hi].
std::vector<double> multiples(double lo, double hi, double step) {
  std::vector<double> out;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1)
    out.push_back(std::abs(k * step) < step * 1e-9 ? 0.0 : k * step);
  return out;
}

std::string strip_exponent_zeros(std::string s) {
  // "2.0e-04" -> "2e-4": tick labels stay short.
  const auto e = s.find('e');
  if (e == std::string::npos)
    return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0')
      mantissa.pop_back();
    if (mantissa.back() == '.')
      mantissa.pop_back();
  }
  const bool negative = exponent[0] == '-';
  size_t digits = exponent.find_first_not_of("+-0");
  return mantissa + "e" + (negative ? "-" : "") +
         (digits == std::string::npos ? "0" : exponent.substr(digits));
}

} // namespace

std::optional<double> to_axis(double value, bool log) {
  if (!std::isfinite(value))
    return std::nullopt;
  if (!log)
    return value;
  if (value <= 0)
    return std::nullopt;
  return std::log10(value);
}

Range step_range(const Curve& curve) {
  if (curve.empty())
    return {0, 1};
  const double lo = static_cast<double>(curve.front().first);
  const double hi = static_cast<double>(curve.back().first);
  return hi > lo ? Range{lo, hi} : Range{lo - 1, lo + 1};
}

std::optional<Range> value_range(const Curve& curve, bool log, double margin) {
  std::optional<Range> r;
  for (const auto& [step, value] : curve) {
    const auto a = to_axis(value, log);
    if (!a)
      continue;
    if (!r)
      r = Range{*a, *a};
    r->lo = std::min(r->lo, *a);
    r->hi = std::max(r->hi, *a);
  }
  if (!r)
    return r;
  if (r->span() <= 0) {
    const double band = log ? 0.1 : (r->lo == 0 ? 1.0 : std::abs(r->lo) * 0.1);
    return Range{r->lo - band, r->hi + band};
  }
  const double pad = r->span() * margin;
  return Range{r->lo - pad, r->hi + pad};
}

std::vector<Tick> linear_ticks(Range r, int max_ticks) {
  std::vector<Tick> out;
  if (!(r.span() > 0) || max_ticks < 2)
    return out;
  const double step = round_step(r, max_ticks);
  for (double v : multiples(r.lo, r.hi, step))
    out.push_back({v, format_tick(v, step)});
  return out;
}

std::vector<Tick> log_ticks(Range r, int max_ticks) {
  std::vector<Tick> out;
  if (!(r.span() > 0) || max_ticks < 2)
    return out;
  if (r.span() < 1.2) {
    // Under a decade few powers of ten fall inside: label round values.
    for (const Tick& t : linear_ticks({std::pow(10.0, r.lo), std::pow(10.0, r.hi)}, max_ticks))
      if (t.at > 0)
        out.push_back({std::log10(t.at), t.label});
    return out;
  }
  const double every = std::ceil(r.span() / (max_ticks - 1));
  for (double k : multiples(r.lo, r.hi, every)) {
    const double v = std::pow(10.0, k);
    out.push_back({k, format_tick(v, v)});
  }
  return out;
}

std::vector<Tick> step_ticks(Range r, int max_ticks) {
  std::vector<Tick> out;
  if (!(r.span() > 0) || max_ticks < 2)
    return out;
  const double step = std::max(1.0, round_step(r, max_ticks));
  for (double v : multiples(r.lo, r.hi, step)) {
    char buf[32];
    if (std::abs(v) >= 10000)
      std::snprintf(buf, sizeof buf, step >= 1000 ? "%.0fk" : "%.1fk", v / 1000);
    else
      std::snprintf(buf, sizeof buf, "%.0f", v);
    out.push_back({v, buf});
  }
  return out;
}

std::string format_tick(double value, double spacing) {
  if (value == 0)
    return "0";
  char buf[32];
  // Decided by the spacing alone, so that every tick of an axis looks alike.
  if (spacing < 1e-3 || spacing >= 1e6) {
    // Digits after the mantissa's point that tell neighbouring ticks apart.
    const int digits = std::clamp(
        static_cast<int>(std::floor(std::log10(std::abs(value))) - std::floor(std::log10(spacing))),
        0, 6);
    std::snprintf(buf, sizeof buf, "%.*e", digits, value);
    return strip_exponent_zeros(buf);
  }
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(spacing) + 1e-9)), 0, 6);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string format_value(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return strip_exponent_zeros(buf);
}

int nearest_point(const Curve& curve, double step) {
  if (curve.empty())
    return -1;
  const auto after = std::lower_bound(curve.begin(), curve.end(), step,
                                      [](const std::pair<int64_t, double>& p, double s) {
                                        return static_cast<double>(p.first) < s;
                                      });
  if (after == curve.begin())
    return 0;
  if (after == curve.end())
    return static_cast<int>(curve.size()) - 1;
  const auto before = after - 1;
  const bool take_before =
      step - static_cast<double>(before->first) <= static_cast<double>(after->first) - step;
  return static_cast<int>((take_before ? before : after) - curve.begin());
}

std::vector<ScreenPoint> thin_polyline(const std::vector<ScreenPoint>& points, float left,
                                       size_t most) {
  std::vector<ScreenPoint> out;
  const auto column = [&](const ScreenPoint& p) {
    return static_cast<long long>(std::floor(p.x - left));
  };
  for (size_t i = 0; i < points.size();) {
    // A run of points in one column: keep its extremes in the order they came.
    size_t end = i + 1, low = i, high = i;
    while (end < points.size() && column(points[end]) == column(points[i])) {
      if (points[end].y < points[low].y)
        low = end;
      if (points[end].y > points[high].y)
        high = end;
      ++end;
    }
    size_t keep[] = {i, std::min(low, high), std::max(low, high), end - 1};
    for (size_t k = 0; k < 4; ++k)
      if (k == 0 || keep[k] != keep[k - 1])
        out.push_back(points[keep[k]]);
    i = end;
  }
  if (out.size() > most) { // steps out of order (a hand-edited file): every n-th
    const size_t stride = (out.size() + most - 1) / most;
    std::vector<ScreenPoint> fewer;
    for (size_t i = 0; i < out.size(); i += stride)
      fewer.push_back(out[i]);
    fewer.push_back(out.back());
    out.swap(fewer);
  }
  return out;
}

void PlotCache::reset(std::shared_ptr<const void> by, const Curve& c, bool log_axis) {
  owner = std::move(by);
  curve = &c;
  size = c.size();
  log = log_axis;
  values = value_range(c, log_axis);
  frame.clear();
  points.clear();
}

} // namespace mae::studio
