#include "eval/attention_figure.h"

#include "base/errors.h"
#include "base/patch_label.h"
#include "data/image_io.h"
#include "eval/colormap.h"
#include "eval/figure.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

namespace mae {
namespace {

const uint8_t kHidden[3] = {128, 128, 128};

// A removed patch: the picture faded to a light grey, so the visible ones stand out.
void grey_out(uint8_t* px) {
  const int luma = (299 * px[0] + 587 * px[1] + 114 * px[2]) / 1000;
  const auto v = static_cast<uint8_t>(std::min(255, 140 + luma / 4));
  px[0] = px[1] = px[2] = v;
}

void outline(Image& image, const AttentionMap& map) {
  if (map.query.patch == AttentionQuery::kClsToken)
    return;
  const int r = static_cast<int>(map.query.patch / map.grid_w);
  const int c = static_cast<int>(map.query.patch % map.grid_w);
  const int x0 = c * image.width / map.grid_w, x1 = (c + 1) * image.width / map.grid_w - 1;
  const int y0 = r * image.height / map.grid_h, y1 = (r + 1) * image.height / map.grid_h - 1;
  cv::Mat m(image.height, image.width, CV_8UC3, image.pixels.data());
  const int thickness = std::max(1, image.width / 112);
  cv::rectangle(m, cv::Point(x0, y0), cv::Point(x1, y1), cv::Scalar(0, 255, 255), thickness);
}

} // namespace

std::string describe_query(const AttentionMap& map) {
  if (map.query.patch == AttentionQuery::kClsToken)
    return "query: cls token";
  return "query: " + patch_label(map.query.patch, map.grid_w);
}

std::string describe_source(const AttentionMap& map) {
  const AttentionQuery& q = map.query;
  char text[128];
  if (q.rollout)
    std::snprintf(text, sizeof text, "%s rollout, layers 0-%lld", to_string(q.stack),
                  static_cast<long long>(q.layer));
  else if (q.head == AttentionQuery::kMeanOfHeads && map.num_heads == 1)
    std::snprintf(text, sizeof text, "%s layer %lld, its one head", to_string(q.stack),
                  static_cast<long long>(q.layer));
  else if (q.head == AttentionQuery::kMeanOfHeads)
    std::snprintf(text, sizeof text, "%s layer %lld, mean of %lld heads", to_string(q.stack),
                  static_cast<long long>(q.layer), static_cast<long long>(map.num_heads));
  else
    std::snprintf(text, sizeof text, "%s layer %lld, head %lld", to_string(q.stack),
                  static_cast<long long>(q.layer), static_cast<long long>(q.head));
  return text;
}

Image attention_figure(const Image& input, const AttentionMap& map, const std::string& model_label,
                       const MaskSettings& settings, int panel_size) {
  const size_t L = static_cast<size_t>(map.grid_h) * map.grid_w;
  if (map.grid_h <= 0 || map.grid_w <= 0 || map.weights.size() != L || map.visible.size() != L)
    throw ImageError("attention figure: the map does not match its grid");
  if (input.empty())
    throw ImageError("attention figure: no input picture");
  const Image rgb = convert_channels(input, 3);
  const Image base =
      resize_image(rgb, panel_size, panel_size, /*nearest=*/rgb.width <= panel_size / 2);

  float top = 0;
  size_t shown = 0, best = 0;
  for (size_t i = 0; i < L; ++i)
    if (map.visible[i]) {
      ++shown;
      if (map.weights[i] > top) {
        top = map.weights[i];
        best = i;
      }
    }
  const Image heat =
      colorize(map.weights, map.grid_w, map.grid_h, 0.0f, top > 0 ? top : 1.0f, Colormap::Inferno);

  Image masked = base, overlay = base, alone = base;
  for (int y = 0; y < panel_size; ++y)
    for (int x = 0; x < panel_size; ++x) {
      const int r = y * map.grid_h / panel_size, c = x * map.grid_w / panel_size;
      const size_t patch = static_cast<size_t>(r) * map.grid_w + c;
      const size_t at = (static_cast<size_t>(y) * panel_size + x) * 3;
      const uint8_t* h = heat.pixels.data() + patch * 3;
      for (Image* panel : {&masked, &overlay, &alone}) {
        uint8_t* px = panel->pixels.data() + at;
        if (!map.visible[patch]) {
          if (panel == &alone)
            std::copy(kHidden, kHidden + 3, px);
          else
            grey_out(px);
        } else if (panel == &overlay) {
          for (int k = 0; k < 3; ++k)
            px[k] = static_cast<uint8_t>((2 * px[k] + 3 * h[k]) / 5);
        } else if (panel == &alone) {
          std::copy(h, h + 3, px);
        }
      }
    }
  for (Image* panel : {&masked, &overlay, &alone})
    outline(*panel, map);

  const bool encoder = map.query.stack == AttentionStack::Encoder;
  char line1[256], line2[256], line3[256];
  std::snprintf(line1, sizeof line1, "%s | %s | %s", model_label.c_str(),
                describe_source(map).c_str(), describe_query(map).c_str());
  if (encoder)
    std::snprintf(line2, sizeof line2,
                  "%s masking, ratio %.2f, seed %llu: the encoder sees %zu of %zu patches%s",
                  to_string(settings.strategy), settings.ratio,
                  static_cast<unsigned long long>(settings.seed), shown, L,
                  shown < L ? " (greyed: removed)" : "");
  else
    std::snprintf(line2, sizeof line2,
                  "%s masking, ratio %.2f, seed %llu: the decoder sees all %zu patches "
                  "(removed: mask tokens)",
                  to_string(settings.strategy), settings.ratio,
                  static_cast<unsigned long long>(settings.seed), L);
  std::snprintf(line3, sizeof line3,
                "colour: attention weight 0 to %.4f (patch %zu); to the cls token %.4f; %.0f ms",
                static_cast<double>(top), best, static_cast<double>(map.cls_weight),
                map.inference_ms);
  return compose_figure({{masked, encoder ? "visible patches" : "input"},
                         {overlay, describe_source(map)},
                         {alone, map.query.rollout ? "rollout" : "attention"}},
                        {line1, line2, line3}, panel_size);
}

} // namespace mae
