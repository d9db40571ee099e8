#include "eval/figure_video.h"

#include "base/errors.h"
#include "base/file_extension.h"
#include "data/video_mark.h"
#include "formats/atomic_file.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

namespace mae {
namespace fs = std::filesystem;

namespace {

cv::Mat bgr_of(const Image& frame) {
  cv::Mat rgb(frame.height, frame.width, frame.channels == 1 ? CV_8UC1 : CV_8UC3,
              const_cast<uint8_t*>(frame.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, frame.channels == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_RGB2BGR);
  return bgr;
}

// What a killed attempt at `target` left beside it (see the temporary's name
// below): a video file, or a folder of our frame_NNNN.png files and nothing
// else; a file of the same name that is anything more is left alone.
void remove_killed_attempts(const fs::path& target, const std::string& ext) {
  const auto only_frames = [](const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!it->is_regular_file(ec) || name.size() != 14 || name.rfind("frame_", 0) != 0 ||
          name.compare(10, 4, ".png") != 0 || name.find_first_not_of("0123456789", 6) != 10)
        return false;
    }
    return !ec;
  };
  for (const std::string& temp :
       stale_temps_of(target.parent_path().empty() ? "." : target.parent_path().string(),
                      target.stem().string(), ext)) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(temp, ec);
    if (!ext.empty() && fs::is_regular_file(st))
      fs::remove(temp, ec);
    else if (ext.empty() && fs::is_directory(st) && only_frames(temp))
      fs::remove_all(temp, ec);
  }
}

} // namespace

std::vector<double> sweep_ratios(double from, double to, double step) {
  if (!(from >= 0 && from < 1) || !(to >= 0 && to < 1) || !(step > 0))
    throw UsageError("a ratio sweep runs between ratios in [0, 1) by a positive step");
  // Counted as a double: a step of 1e-30 makes more frames than an int holds.
  const double frames = std::floor(std::fabs(to - from) / step + 1e-6) + 1;
  if (frames > 400)
    throw UsageError(
        "the sweep makes " +
        (frames < 1e12 ? std::to_string(int64_t(frames)) : std::string("more than 10^12")) +
        " frames; at most 400");
  const int n = static_cast<int>(frames);
  std::vector<double> ratios;
  const double dir = to >= from ? 1 : -1;
  for (int i = 0; i < n; ++i)
    ratios.push_back(std::round((from + dir * i * step) * 1e4) / 1e4);
  return ratios;
}

struct FigureVideo::Impl {
  std::string path, temp;
  double fps = 4;
  bool video = false; // else a folder of PNGs
  int fourcc = 0;
  cv::VideoWriter writer;
  cv::Size size;
  int frames = 0;
  bool finished = false;
};

void check_sweep_output(const std::string& path) {
  // Picture and video formats that are not written: "sweep.gif" made a folder
  // of that name. Other dotted names ("frames_v1.2") are folders.
  static const std::set<std::string> kNotWritten = {
      ".gif", ".apng", ".png", ".jpg",  ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".webm",
      ".mov", ".mkv",  ".mpg", ".mpeg", ".m4v",  ".wmv",  ".flv", ".ogv", ".3gp"};
  const std::string ext = lower_extension(path);
  std::error_code ec;
  if (kNotWritten.count(ext) && !fs::is_directory(path, ec))
    throw UsageError(path + ": " + ext +
                     " is not written; a sweep is a .mp4, an .avi or a folder of PNG frames");
}

FigureVideo::FigureVideo(const std::string& path, double fps) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.fps = fps;
  const std::string ext = lower_extension(path);
  m.video = ext == ".mp4" || ext == ".avi";
  m.fourcc = ext == ".mp4" ? cv::VideoWriter::fourcc('m', 'p', '4', 'v')
                           : cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  // Beside the target, with its extension: OpenCV picks the container from it.
  const fs::path p(path);
  m.temp = (p.parent_path() / (p.stem().string() + ".tmp-" + std::to_string(::getpid()) +
                               (m.video ? ext : std::string())))
               .string();
  remove_killed_attempts(p, m.video ? ext : std::string());
  std::error_code ec;
  check_sweep_output(path);
  if (!m.video && fs::exists(path, ec) && !(fs::is_directory(path, ec) && fs::is_empty(path, ec)))
    throw ImageError(path + ": exists and is not an empty folder; a sequence of frames needs "
                            "a new folder (or give a .mp4 or .avi file)");
  if (!m.video && !fs::create_directories(m.temp, ec) && ec)
    throw ImageError(path + ": cannot create the folder for the frames: " + ec.message());
}

FigureVideo::~FigureVideo() {
  if (impl_->finished)
    return;
  impl_->writer.release();
  std::error_code ec;
  fs::remove_all(impl_->temp, ec);
}

void FigureVideo::add(const Image& frame) {
  Impl& m = *impl_;
  cv::Mat bgr = bgr_of(frame);
  if (m.frames == 0) {
    // Even sides: most encoders need them.
    m.size = {bgr.cols & ~1, bgr.rows & ~1};
    if (m.video && !m.writer.open(m.temp, m.fourcc, m.fps, m.size))
      throw ImageError(m.path + ": this OpenCV cannot write " + lower_extension(m.path) +
                       " videos (no encoder for it); write an .avi (Motion JPEG) or a folder "
                       "of PNGs instead");
  }
  if (bgr.size() != m.size)
    cv::resize(bgr, bgr, m.size, 0, 0, cv::INTER_AREA);
  if (m.video) {
    m.writer.write(bgr);
  } else {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%04d.png", m.frames);
    if (!cv::imwrite((fs::path(m.temp) / name).string(), bgr))
      throw ImageError(m.path + ": cannot write " + name);
  }
  ++m.frames;
}

int FigureVideo::finish() {
  Impl& m = *impl_;
  if (m.frames == 0)
    throw ImageError(m.path + ": no frames to write");
  m.writer.release();
  if (m.video) {
    // OpenCV's writer says nothing of a full disk: read the video back
    // before it replaces a good one.
    cv::VideoCapture check(m.temp);
    int readable = 0;
    for (cv::Mat frame; check.read(frame);)
      ++readable;
    if (readable != m.frames)
      throw ImageError(m.path + ": only " + std::to_string(readable) + " of " +
                       std::to_string(m.frames) +
                       " frames could be written (is the disk full?); nothing was replaced");
    mark_video(m.temp); // so that making it again replaces it without --force
  }
  std::error_code ec;
  if (!m.video)
    fs::remove(m.path, ec); // the empty folder it replaces
  fs::rename(m.temp, m.path, ec);
  if (ec)
    throw ImageError(m.path + ": cannot put the video in place: " + ec.message());
  m.finished = true;
  return m.frames;
}

} // namespace mae
