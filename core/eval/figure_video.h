// Figures as the frames of a video, for slides: a ratio sweep or a strategy
// comparison that plays by itself. An .mp4 (MPEG-4, through OpenCV's FFmpeg
// backend), an .avi (Motion JPEG, built into OpenCV), or any other path: a
// folder of numbered PNGs. Written beside the target and renamed into place
// when finished, so a failed export leaves nothing half-written.
#pragma once

#include "data/image.h"

#include <memory>
#include <string>
#include <vector>

namespace mae {

// The ratios of a sweep from `from` to `to` (either way) by `step`, both ends
// in [0, 1): at most 400. Throws UsageError saying why not.
std::vector<double> sweep_ratios(double from, double to, double step);

// Throws UsageError when `path` names a picture or video format that is not
// written (.gif, .webm, ...): checked before any work.
void check_sweep_output(const std::string& path);

class FigureVideo {
public:
  // Throws ImageError when the path cannot take a video (an existing folder
  // with files in it, an .mp4 where OpenCV has no encoder for it).
  FigureVideo(const std::string& path, double fps);
  ~FigureVideo();
  FigureVideo(const FigureVideo&) = delete;
  FigureVideo& operator=(const FigureVideo&) = delete;

  // The first frame sets the size; later ones are scaled to it.
  void add(const Image& frame);
  // Puts the video (or the folder) in place. Returns the number of frames.
  int finish();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace mae
