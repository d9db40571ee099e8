#include "train/metrics_plot.h"

#include "base/errors.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace mae {
namespace {

using Series = std::vector<std::pair<double, double>>; // (step, value)

const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225), kLoss(31, 119, 180), kAcc(214, 39, 40);

std::string number(double v, const char* fmt) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void text(cv::Mat& m, const std::string& s, cv::Point at, double scale = 0.45, int thickness = 1) {
  cv::putText(m, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, kInk, thickness, cv::LINE_AA);
}

// One panel: axes, grid, ticks and the series as a polyline with dots.
void panel(cv::Mat& m, cv::Rect area, const Series& s, const std::string& title,
           const std::string& y_label, bool log_y, bool percent, cv::Scalar color,
           double max_step) {
  const cv::Rect plot(area.x + 70, area.y + 50, area.width - 95, area.height - 105);
  text(m, title, {area.x + 70, area.y + 18}, 0.6, 1);
  text(m, "step", {plot.x + plot.width / 2 - 15, plot.y + plot.height + 40});
  text(m, y_label, {area.x + 5, plot.y - 10});
  cv::rectangle(m, plot, kInk, 1);
  if (s.empty()) {
    text(m, "no data", {plot.x + plot.width / 2 - 30, plot.y + plot.height / 2});
    return;
  }
  const auto fy = [&](double v) { return log_y ? std::log10(std::max(v, 1e-12)) : v; };
  double lo = fy(s.front().second), hi = lo;
  for (const auto& [x, y] : s)
    lo = std::min(lo, fy(y)), hi = std::max(hi, fy(y));
  // One point (or a flat curve) still gets an axis whose ticks differ.
  const double pad = std::max((hi - lo) * 0.08, log_y ? 0.05 : std::max(std::abs(hi) * 0.05, 1e-3));
  lo -= pad, hi += pad;
  const auto shown = [&](int i) {
    const double v = lo + (hi - lo) * i / 4.0;
    return log_y ? std::pow(10.0, v) : v;
  };
  int digits = 3; // as many as the five ticks need to read apart
  while (digits < 7 && number(shown(1), ("%." + std::to_string(digits) + "g").c_str()) ==
                           number(shown(2), ("%." + std::to_string(digits) + "g").c_str()))
    ++digits;
  const std::string tick_format = "%." + std::to_string(digits) + "g";
  const auto px = [&](double x) {
    return plot.x + static_cast<int>(std::lround(x / std::max(max_step, 1.0) * plot.width));
  };
  const auto py = [&](double y) {
    return plot.y + plot.height -
           static_cast<int>(std::lround((fy(y) - lo) / (hi - lo) * plot.height));
  };
  for (int i = 0; i <= 4; ++i) {
    const int y = plot.y + plot.height - plot.height * i / 4;
    cv::line(m, {plot.x + 1, y}, {plot.x + plot.width - 1, y}, kGrid, 1);
    text(m, percent ? number(100 * shown(i), "%.1f%%") : number(shown(i), tick_format.c_str()),
         {area.x + 5, y + 5}, 0.4);
    const double step = max_step * i / 4.0;
    const int x = plot.x + plot.width * i / 4;
    text(m, number(step, "%.0f"), {x - 12, plot.y + plot.height + 18}, 0.4);
  }
  std::vector<cv::Point> pts;
  for (const auto& [x, y] : s)
    pts.emplace_back(px(x), py(y));
  cv::polylines(m, pts, false, color, 2, cv::LINE_AA);
  if (pts.size() <= 60)
    for (const auto& p : pts)
      cv::circle(m, p, 3, color, cv::FILLED, cv::LINE_AA);
  const auto& last = s.back();
  text(m,
       "first " +
           (percent ? number(100 * s.front().second, "%.2f%%") : number(s.front().second, "%.4f")) +
           ", last " +
           (percent ? number(100 * last.second, "%.2f%%") : number(last.second, "%.4f")),
       {plot.x + 8, plot.y + 18}, 0.45);
}

} // namespace

Image plot_metrics(const std::vector<MetricsRecord>& records, const std::string& title, int width,
                   int height) {
  Series loss, knn, top1, heldout;
  double max_step = 0;
  for (const auto& r : records) {
    if (r.loss)
      loss.emplace_back(static_cast<double>(r.step), *r.loss);
    if (r.knn_accuracy)
      knn.emplace_back(static_cast<double>(r.step), *r.knn_accuracy);
    if (r.test_top1)
      top1.emplace_back(static_cast<double>(r.step), *r.test_top1);
    if (r.heldout_mse)
      heldout.emplace_back(static_cast<double>(r.step), *r.heldout_mse);
    max_step = std::max(max_step, static_cast<double>(r.step));
  }
  if (loss.empty() && knn.empty() && top1.empty() && heldout.empty())
    throw DataError("the metrics hold no loss, accuracy or held-out MSE to plot");
  cv::Mat m(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  text(m, title, {20, 28}, 0.7, 2);
  const int top = 40, half = width / 2;
  panel(m, {0, top, half, height - top}, loss, "training loss (log scale)", "loss", true, false,
        kLoss, max_step);
  // The right panel: what the run measured on data it does not train on.
  const cv::Rect right{half, top, width - half, height - top};
  if (!knn.empty() || (top1.empty() && heldout.empty()))
    panel(m, right, knn, "k-NN top-1 accuracy (held out)", "accuracy", false, true, kAcc, max_step);
  else if (!top1.empty())
    panel(m, right, top1, "test top-1 accuracy (fine-tuning)", "accuracy", false, true, kAcc,
          max_step);
  else
    panel(m, right, heldout, "held-out masked-region MSE", "MSE", false, false, kAcc, max_step);
  // The colours above are RGB: the Mat is read as RGB, not OpenCV's BGR.
  Image out(width, height, 3);
  std::memcpy(out.pixels.data(), m.data, out.pixels.size());
  return out;
}

} // namespace mae
