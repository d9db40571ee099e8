#include "eval/figure.h"

#include <gtest/gtest.h>

#include <string>

namespace mae {
namespace {

// A caption longer than a narrow figure is wide goes on as many lines as it
// needs (at --panel-size 96 the first line was cut at the figure's edge),
// while a wide figure keeps it on one.
TEST(Figure, CaptionsWrapToTheFiguresWidth) {
  Image tile(8, 8, 3);
  const std::string caption = "default.safetensors | mask random, ratio 0.75, seed 0: 147 of 196 "
                              "patches removed";
  // Margins of 8, a title of 26 above each panel, 20 a caption line.
  const auto lines = [](const Image& figure, int panel) {
    return (figure.height - (8 + 26 + panel + 8 + 8)) / 20;
  };
  const Image wide = compose_figure({{tile, "wide"}}, {caption}, 800);
  EXPECT_EQ(lines(wide, 800), 1);
  const Image narrow = compose_figure({{tile, "narrow"}}, {caption}, 96);
  EXPECT_GE(lines(narrow, 96), 3);
  // Nothing drawn in the right margin beside the caption: no line ran past it.
  const int caption_top = 8 + 26 + 96 + 8;
  for (int y = caption_top; y < narrow.height; ++y)
    for (int x = narrow.width - 6; x < narrow.width; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(narrow.pixels[(static_cast<size_t>(y) * narrow.width + x) * 3 + c], 255)
            << x << "," << y;
}

} // namespace
} // namespace mae
