#include "plot/plot_widget.h"

#include <algorithm>

namespace mae::studio {
namespace {

constexpr ImU32 kPlotBackground = IM_COL32(22, 24, 28, 255);
constexpr ImU32 kGridLine = IM_COL32(255, 255, 255, 22);
constexpr ImU32 kAxisLine = IM_COL32(255, 255, 255, 70);

// Maps axis space onto the plot area in screen coordinates.
struct PlotFrame {
  ImVec2 min, max;
  Range x, y;
  float sx(double v) const {
    return min.x + static_cast<float>((v - x.lo) / x.span()) * (max.x - min.x);
  }
  float sy(double v) const {
    return max.y - static_cast<float>((v - y.lo) / y.span()) * (max.y - min.y);
  }
};

std::string newest_value(const PlotSpec& spec) {
  if (spec.curve->empty())
    return "";
  return format_value(spec.curve->back().second) + spec.unit;
}

// The title on the left, the newest value and the log toggle on the right.
void title_row(const PlotSpec& spec, PlotOptions& options, float width) {
  const ImVec2 start = ImGui::GetCursorScreenPos();
  ImGui::TextUnformatted(spec.title);
  float right = start.x + width;
  if (spec.log_toggle) {
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, {2, 0});
    right -= ImGui::GetFrameHeight() + ImGui::CalcTextSize("log").x +
             ImGui::GetStyle().ItemInnerSpacing.x;
    ImGui::SameLine();
    ImGui::SetCursorScreenPos({right, start.y});
    ImGui::Checkbox("log", &options.log_y);
    if (ImGui::IsItemHovered())
      wrapped_tooltip("A logarithmic y axis: the late, small changes of a loss stay visible");
    ImGui::PopStyleVar();
    right -= ImGui::GetStyle().ItemSpacing.x * 2;
  }
  const std::string value = newest_value(spec);
  if (!value.empty()) {
    ImGui::SameLine();
    ImGui::SetCursorScreenPos({right - ImGui::CalcTextSize(value.c_str()).x, start.y});
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(spec.colour), "%s", value.c_str());
  }
}

void draw_y_ticks(ImDrawList* dl, const PlotFrame& f, const std::vector<Tick>& ticks) {
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float half_line = ImGui::GetTextLineHeight() / 2;
  for (const Tick& t : ticks) {
    const float y = f.sy(t.at);
    dl->AddLine({f.min.x, y}, {f.max.x, y}, kGridLine);
    const float w = ImGui::CalcTextSize(t.label.c_str()).x;
    dl->AddText({f.min.x - w - 6, y - half_line}, text, t.label.c_str());
  }
}

void draw_x_ticks(ImDrawList* dl, const PlotFrame& f, const std::vector<Tick>& ticks) {
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (const Tick& t : ticks) {
    const float x = f.sx(t.at);
    dl->AddLine({x, f.min.y}, {x, f.max.y}, kGridLine);
    const float w = ImGui::CalcTextSize(t.label.c_str()).x;
    const float left = std::clamp(x - w / 2, f.min.x - w / 2, f.max.x - w);
    dl->AddText({left, f.max.y + 3}, text, t.label.c_str());
  }
}

// The curve's thinned screen points, made again only when the curve, the
// plot's place or its axes changed since the last frame.
const std::vector<ScreenPoint>& screen_points(const PlotFrame& f, const PlotSpec& spec, bool log,
                                              PlotCache& cache) {
  const std::vector<double> frame = {f.min.x, f.min.y, f.max.x, f.max.y,
                                     f.x.lo,  f.x.hi,  f.y.lo,  f.y.hi};
  if (frame == cache.frame)
    return cache.points;
  std::vector<ScreenPoint> all;
  all.reserve(spec.curve->size());
  for (const auto& [step, value] : *spec.curve)
    if (const auto a = to_axis(value, log))
      all.push_back({f.sx(static_cast<double>(step)), f.sy(*a)});
  cache.points = thin_polyline(all, f.min.x);
  cache.frame = frame;
  return cache.points;
}

// The curve as a line, with dots where points are few enough to tell apart.
void draw_curve(ImDrawList* dl, const PlotFrame& f, const PlotSpec& spec, bool log,
                PlotCache& cache) {
  std::vector<ImVec2> points;
  for (const ScreenPoint& p : screen_points(f, spec, log, cache))
    points.push_back({p.x, p.y});
  const float scale = ImGui::GetFontSize() / 16.0f;
  if (points.size() > 1)
    dl->AddPolyline(points.data(), static_cast<int>(points.size()), spec.colour, 0, 2.0f * scale);
  if (points.size() * 8 * scale < f.max.x - f.min.x)
    for (const ImVec2& p : points)
      dl->AddCircleFilled(p, 3.0f * scale, spec.colour);
}

// The nearest point to the pointer, marked, with its (step, value).
void hover(ImDrawList* dl, const PlotFrame& f, const PlotSpec& spec, bool log) {
  const double step =
      f.x.lo + (ImGui::GetIO().MousePos.x - f.min.x) / (f.max.x - f.min.x) * f.x.span();
  const int i = nearest_point(*spec.curve, step);
  if (i < 0)
    return;
  const auto& [s, value] = (*spec.curve)[static_cast<size_t>(i)];
  const float x = f.sx(static_cast<double>(s));
  dl->AddLine({x, f.min.y}, {x, f.max.y}, kAxisLine);
  if (const auto a = to_axis(value, log))
    dl->AddCircle({x, f.sy(*a)}, 5.0f, IM_COL32(255, 255, 255, 230), 0, 1.5f);
  wrapped_tooltip("step %lld\n%s %s%s", static_cast<long long>(s), spec.title,
                  format_value(value).c_str(), spec.unit);
}

} // namespace

void draw_plot(PanelContext& ctx, const PlotSpec& spec, PlotOptions& options, ImVec2 size,
               const std::shared_ptr<const void>& owner) {
  ImGui::PushID(spec.name);
  ImGui::BeginGroup();
  const float top = ImGui::GetCursorScreenPos().y;
  title_row(spec, options, size.x);
  const bool log = spec.log_toggle && options.log_y;
  PlotCache& cache = options.cache;
  if (!cache.holds(owner, *spec.curve, log))
    cache.reset(owner, *spec.curve, log);
  const std::optional<Range> values = cache.values;
  const Range y = values.value_or(Range{0, 1});
  const float line = ImGui::GetTextLineHeight();
  const int max_y_ticks = std::max(2, static_cast<int>(size.y / (line * 2.2f)));
  const std::vector<Tick> y_ticks = log ? log_ticks(y, max_y_ticks) : linear_ticks(y, max_y_ticks);
  float label_w = 0;
  for (const Tick& t : y_ticks)
    label_w = std::max(label_w, ImGui::CalcTextSize(t.label.c_str()).x);

  const ImVec2 cursor = ImGui::GetCursorScreenPos();
  // What is left under the title, less a row for the step labels.
  const float plot_h = std::max(line * 3, size.y - (cursor.y - top) - line - 4);
  PlotFrame f{{cursor.x + label_w + 10, cursor.y},
              {cursor.x + size.x, cursor.y + plot_h},
              spec.steps.value_or(step_range(*spec.curve)),
              y};
  // no tooltip: the hover readout below names the step and values under the pointer
  ImGui::InvisibleButton("area", {size.x, plot_h + line + 4});
  const bool hovered = ImGui::IsItemHovered();

  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(f.min, f.max, kPlotBackground);
  const int max_x_ticks = std::max(2, static_cast<int>((f.max.x - f.min.x) / (line * 3.0f)));
  if (values)
    draw_y_ticks(dl, f, y_ticks);
  draw_x_ticks(dl, f, step_ticks(f.x, max_x_ticks));
  dl->AddRect(f.min, f.max, kAxisLine);
  dl->PushClipRect(f.min, f.max, true);
  if (values)
    draw_curve(dl, f, spec, log, cache);
  else {
    const char* empty = "no data yet";
    const ImVec2 t = ImGui::CalcTextSize(empty);
    dl->AddText({(f.min.x + f.max.x - t.x) / 2, (f.min.y + f.max.y - t.y) / 2},
                ImGui::GetColorU32(ImGuiCol_TextDisabled), empty);
  }
  dl->PopClipRect();
  if (hovered && values)
    hover(dl, f, spec, log);

  const float fb = ImGui::GetIO().DisplayFramebufferScale.x;
  ctx.state.panel_rects.push_back(
      {spec.name, DrawnRect{static_cast<int>(f.min.x * fb), static_cast<int>(f.min.y * fb),
                            static_cast<int>((f.max.x - f.min.x) * fb),
                            static_cast<int>((f.max.y - f.min.y) * fb), 0}});
  ImGui::EndGroup();
  ImGui::PopID();
}

} // namespace mae::studio
