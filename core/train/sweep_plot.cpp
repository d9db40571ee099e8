#include "train/sweep_plot.h"

#include "base/config_json.h"
#include "base/errors.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

namespace mae {
namespace {

const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225);
// RGB (the Mat is read as RGB): one colour per protocol.
const std::map<std::string, cv::Scalar> kColours = {
    {"knn", {31, 119, 180}}, {"linear_probe", {255, 127, 14}}, {"finetune", {44, 160, 44}}};
const std::map<std::string, std::string> kNames = {
    {"knn", "k-NN"}, {"linear_probe", "linear probe"}, {"finetune", "fine-tuning"}};

void text(cv::Mat& m, const std::string& s, cv::Point at, double scale = 0.45,
          cv::Scalar colour = kInk, int thickness = 1) {
  cv::putText(m, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv::LINE_AA);
}

void dashed(cv::Mat& m, cv::Point a, cv::Point b, cv::Scalar colour) {
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  for (double t = 0; t < len; t += 12) {
    const double t2 = std::min(len, t + 7);
    cv::line(m, {a.x + int((b.x - a.x) * t / len), a.y + int((b.y - a.y) * t / len)},
             {a.x + int((b.x - a.x) * t2 / len), a.y + int((b.y - a.y) * t2 / len)}, colour, 2,
             cv::LINE_AA);
  }
}

cv::Scalar lighter(cv::Scalar c, double f) {
  return {c[0] + (255 - c[0]) * f, c[1] + (255 - c[1]) * f, c[2] + (255 - c[2]) * f};
}

struct Series {
  std::string label;
  cv::Scalar colour;
  bool reference = false;
  std::vector<std::pair<size_t, double>> points;
};

std::optional<double> accuracy(const SweepRunResult& r, const std::string& protocol) {
  return protocol == "knn" ? r.knn : protocol == "linear_probe" ? r.linear_probe : r.finetune;
}

// A tick spacing of 1, 2 or 5 times a power of ten giving at most about
// `most` ticks over `span`.
double tick_step(double span, int most) {
  const double raw = span / std::max(1, most - 1),
               power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double k : {1.0, 2.0, 5.0})
    if (k * power >= raw)
      return k * power;
  return 10 * power;
}

} // namespace

std::vector<ReferenceSeries> read_reference(const SweepConfig& sweep,
                                            const std::string& sweep_dir) {
  if (sweep.reference.file.empty())
    return {};
  const std::string path = (std::filesystem::path(sweep_dir) / sweep.reference.file).string();
  const nlohmann::json j = parse_json(read_config_file(path, "paper reference"), path);
  const auto table = j.find(sweep.reference.table);
  if (table == j.end() || !table->is_object() || !table->contains("rows") ||
      !(*table)["rows"].is_array())
    throw ConfigError(path + ": no table '" + sweep.reference.table + "' with rows");
  const std::string where = " (ImageNet ViT-L, " + sweep.reference.table + ")";
  ReferenceSeries ft{"paper, fine-tuning" + where, "finetune", {}};
  ReferenceSeries lin{"paper, linear probe" + where, "linear_probe", {}};
  const SweepAxis& axis = sweep.axes.front();
  for (const auto& row : (*table)["rows"]) {
    if (!row.is_object() || !row.contains("value"))
      continue;
    // A row measured at another masking ratio than the sweep's (Table 1f's block at 50 %).
    if (row.contains("ratio") && sweep.overrides.contains("mask_ratio") &&
        row["ratio"] != sweep.overrides["mask_ratio"])
      continue;
    for (size_t i = 0; i < axis.values.size(); ++i) {
      const auto& v = row["value"];
      if (v != axis.values[i] && !(v.is_string() && v.get<std::string>() == axis.labels[i]))
        continue;
      if (row.contains("ft") && row["ft"].is_number())
        ft.points.emplace_back(i, row["ft"].get<double>() / 100.0);
      if (row.contains("lin") && row["lin"].is_number())
        lin.points.emplace_back(i, row["lin"].get<double>() / 100.0);
    }
  }
  std::vector<ReferenceSeries> out;
  for (auto* s : {&ft, &lin})
    if (!s->points.empty() && sweep.evaluates(s->protocol))
      out.push_back(*s);
  return out;
}

Image plot_sweep(const SweepConfig& sweep, const std::vector<SweepRunResult>& results,
                 const std::vector<ReferenceSeries>& reference, int width, int height,
                 double text_scale) {
  if (width < 64 || height < 64 || width > 8192 || height > 8192 ||
      !(text_scale >= 0.5 && text_scale <= 4))
    throw UsageError("a sweep plot is 64 to 8192 pixels a side, text scale 0.5 to 4");
  const SweepAxis& x_axis = sweep.axes.front();
  const bool two = sweep.axes.size() > 1;
  std::vector<Series> series;
  for (const auto& protocol : sweep.evaluations) {
    const size_t groups = two ? sweep.axes[1].values.size() : 1;
    for (size_t g = 0; g < groups; ++g) {
      Series s;
      s.label =
          kNames.at(protocol) +
          (two ? ", " + sweep.axes[1].field + " = " + sweep.axes[1].labels[g] : std::string());
      s.colour = lighter(kColours.at(protocol), groups > 1 ? 0.55 * g / (groups - 1) : 0.0);
      for (const auto& r : results) {
        if (two && (r.labels.size() < 2 || r.labels[1] != sweep.axes[1].labels[g]))
          continue;
        const auto x = std::find(x_axis.labels.begin(), x_axis.labels.end(),
                                 r.labels.empty() ? "" : r.labels[0]);
        if (const auto acc = accuracy(r, protocol); acc && x != x_axis.labels.end())
          s.points.emplace_back(static_cast<size_t>(x - x_axis.labels.begin()), *acc);
      }
      std::sort(s.points.begin(), s.points.end());
      series.push_back(std::move(s));
    }
  }
  for (const auto& ref : reference)
    series.push_back({ref.label, lighter(kColours.at(ref.protocol), 0.35), true, ref.points});

  double lo = 1, hi = 0;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points)
      lo = std::min(lo, y), hi = std::max(hi, y);
  if (lo > hi)
    lo = 0, hi = 1;
  // Sizes in pixels at text scale t: the text keeps its size whatever the
  // plot's, so a plot drawn at the size it is shown (a projector) stays readable.
  const auto u = [&](double v) { return static_cast<int>(std::lround(v * text_scale)); };
  const double t = text_scale;
  const auto text_width = [&](const std::string& s, double scale) {
    int base = 0;
    return cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale * t, 1, &base).width;
  };
  cv::Mat m(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  // The title, smaller where the width cannot hold it.
  const std::string title = sweep.title.empty() ? sweep.name : sweep.title;
  const double title_scale =
      0.7 * std::min(1.0, (width - u(40)) / std::max(1.0, double(text_width(title, 0.7))));
  text(m, title, {u(20), u(30)}, title_scale * t, kInk, std::max(1, u(2)));
  // The legend: right of the plot where the width allows (a wide, short
  // panel), else above it, its entries side by side as far as they fit (one
  // a line left a projector's short panel a plot a few pixels high).
  int legend_w = 0;
  for (const auto& s : series)
    legend_w = std::max(legend_w, u(60) + text_width(s.label, 0.45));
  const bool legend_right = width - legend_w > std::max(u(400), width / 2);
  std::vector<cv::Point> legend_at; // each entry's offset from the legend's corner
  int legend_h = 0;
  const auto flow_legend = [&] {
    legend_at.clear();
    int x = 0, row = 0;
    for (size_t k = 0; k < series.size(); ++k) {
      const int entry_w = u(60) + text_width(series[k].label, 0.45);
      if (legend_right) {
        legend_at.emplace_back(0, u(22) * static_cast<int>(k));
        continue;
      }
      if (x > 0 && u(90) + x + entry_w > width - u(20))
        x = 0, ++row;
      legend_at.emplace_back(u(90) + x, u(22) * row);
      x += entry_w + u(20);
    }
    legend_h = legend_right ? 0 : u(22) * (row + 1);
  };
  flow_legend();
  if (legend_h > u(44)) { // more than two lines: the paper's series by protocol alone
    for (Series& s : series)
      if (s.reference && s.label.find(" (") != std::string::npos)
        s.label.erase(s.label.find(" ("));
    flow_legend();
  }
  const cv::Rect plot(u(80), u(70) + legend_h,
                      std::max(1, width - u(80) - u(30) - (legend_right ? legend_w : 0)),
                      std::max(1, height - u(70) - legend_h - u(60)));
  // Round ticks (54 %, 56 %, ...) a class can read off, as many as fit.
  // Two at least (its ends); a third on a short plot overlapped their labels.
  const int most_ticks = std::clamp(plot.height / u(18), 2, 8);
  const double step = tick_step(std::max(hi - lo, 0.02), most_ticks);
  lo = std::max(0.0, std::floor(lo / step - 1e-9) * step);
  hi = std::min(1.0, std::ceil(hi / step + 1e-9) * step);
  cv::rectangle(m, plot, kInk, 1);
  const size_t n = x_axis.values.size();
  const auto px = [&](size_t i) {
    return plot.x + static_cast<int>(plot.width * (static_cast<double>(i) + 0.5) / n);
  };
  const auto py = [&](double y) {
    return plot.y + plot.height - static_cast<int>(std::lround((y - lo) / (hi - lo) * plot.height));
  };
  for (double v = lo; v <= hi + step / 2; v += step) {
    cv::line(m, {plot.x + 1, py(v)}, {plot.x + plot.width - 1, py(v)}, kGrid, 1);
    char buf[16];
    std::snprintf(buf, sizeof buf, step < 0.01 ? "%.1f%%" : "%.0f%%", 100 * v);
    text(m, buf, {u(15), py(v) + u(5)}, 0.42 * t);
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string label = x_axis.labels[i].substr(0, 24);
    text(m, label, {px(i) - text_width(label, 0.42) / 2, plot.y + plot.height + u(20)}, 0.42 * t);
  }
  text(m, x_axis.field,
       {plot.x + (plot.width - text_width(x_axis.field, 0.5)) / 2, plot.y + plot.height + u(45)},
       0.5 * t);
  text(m, "top-1", {u(15), plot.y - u(12)}, 0.45 * t);
  const int thick = std::max(2, u(2));
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const int x = legend_right ? plot.x + plot.width + u(20) : legend_at[k].x;
    const int y = (legend_right ? plot.y + u(10) : u(50)) + legend_at[k].y + u(6);
    if (s.reference)
      dashed(m, {x, y - u(5)}, {x + u(40), y - u(5)}, s.colour);
    else
      cv::line(m, {x, y - u(5)}, {x + u(40), y - u(5)}, s.colour, thick, cv::LINE_AA);
    text(m, s.label, {x + u(50), y}, 0.45 * t);
    for (size_t i = 0; i < s.points.size(); ++i) {
      const cv::Point p(px(s.points[i].first), py(s.points[i].second));
      if (i > 0) {
        const cv::Point q(px(s.points[i - 1].first), py(s.points[i - 1].second));
        if (s.reference)
          dashed(m, q, p, s.colour);
        else
          cv::line(m, q, p, s.colour, thick, cv::LINE_AA);
      }
      cv::circle(m, p, u(4), s.colour, s.reference ? 1 : cv::FILLED, cv::LINE_AA);
    }
  }
  Image out(width, height, 3);
  std::memcpy(out.pixels.data(), m.data, out.pixels.size());
  return out;
}

} // namespace mae
