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
                 const std::vector<ReferenceSeries>& reference, int width, int height) {
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
  const double pad = std::max(0.02, (hi - lo) * 0.1);
  lo = std::max(0.0, lo - pad), hi = std::min(1.0, hi + pad);

  cv::Mat m(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  text(m, sweep.title.empty() ? sweep.name : sweep.title, {20, 30}, 0.7, kInk, 2);
  const int legend_h = 22 * static_cast<int>(series.size());
  const cv::Rect plot(80, 50 + legend_h, width - 110, height - 120 - legend_h);
  cv::rectangle(m, plot, kInk, 1);
  const size_t n = x_axis.values.size();
  const auto px = [&](size_t i) {
    return plot.x + static_cast<int>(plot.width * (static_cast<double>(i) + 0.5) / n);
  };
  const auto py = [&](double y) {
    return plot.y + plot.height - static_cast<int>(std::lround((y - lo) / (hi - lo) * plot.height));
  };
  for (int i = 0; i <= 5; ++i) {
    const double v = lo + (hi - lo) * i / 5.0;
    cv::line(m, {plot.x + 1, py(v)}, {plot.x + plot.width - 1, py(v)}, kGrid, 1);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
    text(m, buf, {15, py(v) + 5}, 0.42);
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string& label = x_axis.labels[i];
    text(m, label.substr(0, 24),
         {px(i) - 4 * static_cast<int>(std::min<size_t>(24, label.size())),
          plot.y + plot.height + 20},
         0.42);
  }
  text(m, x_axis.field, {plot.x + plot.width / 2 - 40, plot.y + plot.height + 45}, 0.5);
  text(m, "top-1", {15, plot.y - 24}, 0.45);
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const int y = 50 + 22 * static_cast<int>(k) + 6;
    if (s.reference)
      dashed(m, {90, y - 5}, {130, y - 5}, s.colour);
    else
      cv::line(m, {90, y - 5}, {130, y - 5}, s.colour, 2, cv::LINE_AA);
    text(m, s.label, {140, y}, 0.45);
    for (size_t i = 0; i < s.points.size(); ++i) {
      const cv::Point p(px(s.points[i].first), py(s.points[i].second));
      if (i > 0) {
        const cv::Point q(px(s.points[i - 1].first), py(s.points[i - 1].second));
        if (s.reference)
          dashed(m, q, p, s.colour);
        else
          cv::line(m, q, p, s.colour, 2, cv::LINE_AA);
      }
      cv::circle(m, p, 4, s.colour, s.reference ? 1 : cv::FILLED, cv::LINE_AA);
    }
  }
  Image out(width, height, 3);
  std::memcpy(out.pixels.data(), m.data, out.pixels.size());
  return out;
}

} // namespace mae
