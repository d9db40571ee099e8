// The progress display of long CLI work (`mae train`, `mae probe`) on stderr: one line redrawn with
// \r on a terminal, plain lines (at most one every few seconds) otherwise.
#pragma once

#include "train/train_progress.h"

#include <chrono>
#include <cstdio>
#include <string>

namespace mae {

class ProgressBar {
public:
  // `tty` false: plain lines; use stderr_is_tty() to decide.
  ProgressBar(std::FILE* out, bool tty, double plain_interval_s = 10.0);

  void update(const TrainProgress& p);
  // Any progress line; `always` prints it even within the plain interval.
  void show(const std::string& text, bool always = false);
  bool tty() const { return tty_; }
  // A message on its own line (the bar is redrawn by the next update).
  void message(const std::string& line);
  // Ends the bar's line.
  void finish();
  // Erases the bar's line, for output of another stream on the same terminal.
  void clear();

  static bool stderr_is_tty();

private:
  std::FILE* out_;
  bool tty_;
  double interval_s_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_line_{};
};

// "12:34" or "1:02:03".
std::string format_duration(double seconds);
// "step 120/2000 [####------] 6% loss 0.4123 lr 1.20e-04 312 img/s ETA 4:12"
std::string progress_text(const TrainProgress& p, int bar_width);
// "features (training) 12800/60000 [#####-------] 21% 431 img/s ETA 1:50"
// `unit` names the rate: "masks/s" for eval-recon, "frames/s" for a sweep video.
std::string count_progress_text(const std::string& label, size_t done, size_t total, double seconds,
                                int bar_width, const char* unit = "img/s");

} // namespace mae
