#include "eval/figure.h"

#include "base/errors.h"
#include "data/image_io.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

namespace mae {
namespace {

constexpr int kMargin = 8;
constexpr int kTitleHeight = 26;
constexpr int kCaptionLine = 20;
constexpr double kCaptionScale = 0.45;
const cv::Scalar kText(30, 30, 30);

int text_width(const std::string& text, double scale) {
  int baseline = 0;
  return cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline).width;
}

// `text` broken at spaces into lines no wider than `width`, a word wider
// than that broken where it must: a narrow figure's caption is not cut at
// its edge.
std::vector<std::string> wrapped(const std::string& text, int width, double scale) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(' ', start), text.size());
    std::string word = text.substr(start, end - start);
    start = end + 1;
    const std::string longer = line.empty() ? word : line + " " + word;
    if (text_width(longer, scale) <= width) {
      line = longer;
      continue;
    }
    if (!line.empty())
      lines.push_back(line);
    // The longest head that fits (one character at least), then the rest.
    while (word.size() > 1 && text_width(word, scale) > width) {
      size_t fits = 1;
      while (fits < word.size() && text_width(word.substr(0, fits + 1), scale) <= width)
        ++fits;
      lines.push_back(word.substr(0, fits));
      word.erase(0, fits);
    }
    line = word;
  }
  lines.push_back(line);
  return lines;
}

void put_text(cv::Mat& canvas, const std::string& text, int x, int y, double scale) {
  cv::putText(canvas, text, cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, scale, kText, 1,
              cv::LINE_AA);
}

// Centres `text` over [x, x + width), shrinking the font until it fits.
void put_centred(cv::Mat& canvas, const std::string& text, int x, int width, int y) {
  double scale = 0.55;
  int baseline = 0;
  cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline);
  while (size.width > width && scale > 0.3) {
    scale -= 0.05;
    size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline);
  }
  put_text(canvas, text, x + std::max(0, (width - size.width) / 2), y, scale);
}

} // namespace

Image compose_figure(const std::vector<FigurePanel>& panels,
                     const std::vector<std::string>& caption, int panel_size, int columns) {
  if (panels.empty())
    throw ImageError("a figure needs at least one panel");
  const int cols = columns > 0 ? columns : static_cast<int>(panels.size());
  const int rows = (static_cast<int>(panels.size()) + cols - 1) / cols;
  const int cell_h = kTitleHeight + panel_size + kMargin;
  const int width = kMargin + cols * (panel_size + kMargin);
  std::vector<std::string> lines;
  for (const std::string& line : caption)
    for (std::string& part : wrapped(line, width - 2 * kMargin, kCaptionScale))
      lines.push_back(std::move(part));
  const int height =
      kMargin + rows * cell_h + static_cast<int>(lines.size()) * kCaptionLine + kMargin;
  cv::Mat canvas(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  for (size_t i = 0; i < panels.size(); ++i) {
    const int x = kMargin + static_cast<int>(i % cols) * (panel_size + kMargin);
    const int y = kMargin + static_cast<int>(i / cols) * cell_h;
    put_centred(canvas, panels[i].title, x, panel_size, y + kTitleHeight - 8);
    const Image rgb = convert_channels(panels[i].image, 3);
    // Small images are enlarged with hard pixel edges so patches stay visible.
    const bool nearest = rgb.width <= panel_size / 2;
    const Image scaled = resize_image(rgb, panel_size, panel_size, nearest);
    cv::Mat tile(scaled.height, scaled.width, CV_8UC3, const_cast<uint8_t*>(scaled.pixels.data()));
    tile.copyTo(canvas(cv::Rect(x, y + kTitleHeight, panel_size, panel_size)));
  }
  int y = kMargin + rows * cell_h + kCaptionLine - 6;
  for (const auto& line : lines) {
    put_text(canvas, line, kMargin, y, kCaptionScale);
    y += kCaptionLine;
  }
  Image out(width, height, 3);
  std::copy(canvas.data, canvas.data + canvas.total() * 3, out.pixels.begin());
  return out;
}

Image demo_figure(const ReconstructionResult& r, const std::string& model_label,
                  const MaskSettings& settings, int panel_size) {
  const std::vector<FigurePanel> panels = {{r.masked, "masked"},
                                           {r.reconstruction, "reconstruction"},
                                           {r.reconstruction_visible, "reconstruction + visible"},
                                           {r.original, "original"}};
  size_t removed = 0;
  for (uint8_t m : r.mask)
    removed += m;
  // No timings: the same view must give the same figure, byte for byte.
  const std::string mask =
      settings.describe(r.grid_h, r.grid_w) + (settings.strategy == MaskStrategy::Custom
                                                   ? std::string()
                                                   : ", seed " + std::to_string(settings.seed));
  char line1[256], line2[256];
  std::snprintf(line1, sizeof line1, "%s | mask %s: %zu of %zu patches removed",
                model_label.c_str(), mask.c_str(), removed, r.mask.size());
  if (removed == 0) // an MSE over no pixels would read as a perfect score
    std::snprintf(line2, sizeof line2, "no removed patches: nothing to reconstruct");
  else
    std::snprintf(line2, sizeof line2, "masked-region MSE %.4f ([0,1] pixels)", r.masked_mse);
  std::vector<std::string> caption = {line1, line2};
  if (r.denormalised_with_true_stats)
    caption.emplace_back(
        "norm-pix model: predicted patches de-normalised with the true patches' mean/std");
  return compose_figure(panels, caption, panel_size);
}

Image preview_figure(const std::vector<ReconstructionPreview>& previews, int panel_size) {
  std::vector<FigurePanel> panels;
  for (const ReconstructionPreview& p : previews) {
    const bool first = panels.empty();
    panels.push_back({p.masked, first ? "masked" : ""});
    panels.push_back({p.reconstruction_visible, first ? "reconstruction + visible" : ""});
    panels.push_back({p.original, first ? "original" : ""});
  }
  return compose_figure(panels, {}, panel_size, 3);
}

} // namespace mae
