#include "train/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace mae {

ProgressBar::ProgressBar(std::FILE* out, bool tty, double plain_interval_s)
    : out_(out), tty_(tty), interval_s_(plain_interval_s) {}

bool ProgressBar::stderr_is_tty() {
  return ::isatty(STDERR_FILENO) == 1;
}

void ProgressBar::update(const TrainProgress& p) {
  show(progress_text(p, tty_ ? 24 : 0), p.step >= p.total_steps || p.knn_accuracy || p.heldout_mse);
}

void ProgressBar::show(const std::string& text, bool always) {
  if (tty_) {
    std::fprintf(out_, "\r%s\033[K", text.c_str());
    drawn_ = true;
  } else {
    const auto now = std::chrono::steady_clock::now();
    // The first line always: the steady clock counts from boot, so a
    // machine up for less than the interval kept it back.
    const bool first = last_line_ == std::chrono::steady_clock::time_point{};
    if (!always && !first && std::chrono::duration<double>(now - last_line_).count() < interval_s_)
      return;
    last_line_ = now;
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void ProgressBar::message(const std::string& line) {
  if (drawn_)
    std::fputs("\r\033[K", out_);
  std::fprintf(out_, "%s\n", line.c_str());
  drawn_ = false;
  std::fflush(out_);
}

void ProgressBar::clear() {
  if (drawn_)
    std::fputs("\r\033[K", out_);
  drawn_ = false;
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (drawn_)
    std::fputc('\n', out_);
  drawn_ = false;
  std::fflush(out_);
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

namespace {

std::string bar(double frac, int width) {
  const auto filled = static_cast<int>(std::clamp(frac, 0.0, 1.0) * width);
  return " [" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(width - filled), '-') + "]";
}

} // namespace

std::string count_progress_text(const std::string& label, size_t done, size_t total, double seconds,
                                int bar_width, const char* unit) {
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  std::string s = label + " " + std::to_string(done) + "/" + std::to_string(total);
  if (bar_width > 0)
    s += bar(frac, bar_width);
  char buf[96];
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::snprintf(buf, sizeof buf, " %3.0f%%", 100.0 * frac);
  s += buf;
  if (rate > 0) { // not "0 img/s" before the first batch is timed; "0.4 steps/s", not "0"
    std::snprintf(buf, sizeof buf, rate >= 10 ? " %.0f %s" : " %.2g %s", rate, unit);
    s += buf;
  }
  if (rate > 0 && done < total)
    s += " ETA " + format_duration(static_cast<double>(total - done) / rate);
  return s;
}

std::string progress_text(const TrainProgress& p, int bar_width) {
  const double frac =
      p.total_steps > 0 ? static_cast<double>(p.step) / static_cast<double>(p.total_steps) : 0.0;
  std::string s = "step " + std::to_string(p.step) + "/" + std::to_string(p.total_steps);
  if (bar_width > 0)
    s += bar(frac, bar_width);
  char buf[160];
  std::snprintf(buf, sizeof buf, " %3.0f%% ep %.2f", 100.0 * frac, p.epoch);
  s += buf;
  if (p.loss) {
    std::snprintf(buf, sizeof buf, " loss %.4f lr %.2e", *p.loss, p.lr);
    s += buf;
    if (p.images_per_s > 0) {
      std::snprintf(buf, sizeof buf, " %.0f img/s", p.images_per_s);
      s += buf;
    }
  }
  if (p.knn_accuracy) {
    std::snprintf(buf, sizeof buf, " knn %.2f%%", 100.0 * *p.knn_accuracy);
    s += buf;
  }
  if (p.heldout_mse) {
    std::snprintf(buf, sizeof buf, " held-out MSE %.5f", *p.heldout_mse);
    s += buf;
  }
  if (p.skipped_images > 0)
    s += " skipped " + std::to_string(p.skipped_images) + " img";
  if (p.step < p.total_steps && p.step > 0)
    s += " ETA " + format_duration(p.eta_s);
  return s;
}

} // namespace mae
