#include "train/run_watch.h"

#include "base/errors.h"
#include "base/plural.h"
#include "base/regular_file.h"
#include "formats/safetensors.h"
#include "train/metrics_line.h"
#include "train/preview_file.h"
#include "train/train_config.h"
#include "train/trainer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace mae {
namespace fs = std::filesystem;
namespace {

// The step in a checkpoint's header, read without its tensors (gigabytes
// for a large model, re-read after every save); -1: none yet, or mid-write.
int64_t checkpoint_step(const fs::path& file) {
  try {
    const auto meta = read_safetensors_metadata(file.string());
    const auto step = meta.find("step");
    return step == meta.end() ? -1 : std::stoll(step->second);
  } catch (const std::exception&) { // CheckpointError, or a step that is no number
    return -1;
  }
}

std::string seconds_text(int64_t s) {
  return s < 120 ? count_of(s, "s", "s") : count_of(s / 60, "min", "min");
}

} // namespace

RunWatcher::RunWatcher(std::string dir, size_t chunk_bytes)
    : dir_(std::move(dir)), chunk_bytes_(std::max<size_t>(chunk_bytes, 1)) {
  draft_.out_dir = dir_;
  draft_.checkpoint_path = (fs::path(dir_) / kTrainStateName).string();
  draft_.model_path = (fs::path(dir_) / kTrainModelName).string();
}

RunWatcher::Mark RunWatcher::mark_of(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return {};
  std::error_code ec;
  return {static_cast<uintmax_t>(st.st_size), fs::last_write_time(file, ec), st.st_ino};
}

// A folder that is no run, or stopped being one (deleted, renamed): which
// file is missing and why.
void RunWatcher::require_run() const {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw DataError(dir_ + (looked_                ? " no longer exists (deleted or renamed?)"
                            : fs::exists(dir_, ec) ? " holds no training run: it is a file"
                                                   : " holds no training run: it does not exist"));
  for (const char* name : {kMetricsName, "config.json"}) {
    const std::string path = (fs::path(dir_) / name).string();
    if (const std::string why = why_not_regular_file(path); !why.empty())
      throw DataError(dir_ + " holds no training run: " + path + ": " + why +
                      " (choose the folder mae train writes)");
  }
}

std::shared_ptr<const TrainingSnapshot> RunWatcher::look(Clock::time_point now,
                                                         fs::file_time_type file_now) {
  require_run();
  const fs::path run(dir_);
  bool changed = !shown_;
  if (const Mark c = mark_of(run / "config.json"); !(c == config_)) {
    config_ = c;
    draft_.total_steps = load_train_config((run / "config.json").string()).total_steps;
    changed = true;
  }
  const Mark m = mark_of(run / kMetricsName);
  if (!looked_) { // dated by its mtime once; a file from the future is taken as new
    const auto age = std::chrono::duration_cast<Clock::duration>(file_now - m.mtime);
    last_change_ = now - std::max(age, Clock::duration::zero());
  } else if (!(m == metrics_)) {
    last_change_ = now;
  }
  looked_ = true;
  changed |= read_metrics_since(m);
  changed |= read_checkpoint_and_previews();
  const std::string before = draft_.message;
  state_at(now);
  if (changed || draft_.message != before)
    shown_ = std::make_shared<const TrainingSnapshot>(draft_);
  return shown_;
}

// The lines appended since the last look, at most a chunk of them; a file
// replaced (a new run in the folder) or cut is read again from its start.
bool RunWatcher::read_metrics_since(const Mark& m) {
  if (m.inode != metrics_.inode || m.size < offset_) {
    TrainingSnapshot fresh;
    fresh.out_dir = draft_.out_dir;
    fresh.checkpoint_path = draft_.checkpoint_path;
    fresh.model_path = draft_.model_path;
    fresh.total_steps = draft_.total_steps;
    fresh.previews = std::move(draft_.previews);
    fresh.preview_step = draft_.preview_step;
    draft_ = std::move(fresh);
    offset_ = 0;
    unread_lines_ = 0;
    partial_.clear();
    skipping_line_ = false;
  }
  metrics_ = m;
  bool added = false;
  if (m.size > offset_) {
    std::ifstream in(fs::path(dir_) / kMetricsName, std::ios::binary);
    if (!in) // another user's 0600 file on a shared file system: never readable
      throw DataError((fs::path(dir_) / kMetricsName).string() + ": cannot be read (" +
                      std::strerror(errno) + ")");
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk(static_cast<size_t>(std::min<uintmax_t>(m.size - offset_, chunk_bytes_)),
                      '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    offset_ += chunk.size();
    size_t start = 0;
    for (size_t end; (end = chunk.find('\n', start)) != std::string::npos; start = end + 1) {
      if (!skipping_line_)
        partial_.append(chunk, start, end - start);
      if (!skipping_line_ && take_line(partial_))
        added = true;
      else if (skipping_line_ || partial_.find_first_not_of(" \t\r") != std::string::npos)
        ++unread_lines_; // said in the status: curves missing points are not silent
      partial_.clear();
      skipping_line_ = false;
    }
    if (!skipping_line_)
      partial_.append(chunk, start, std::string::npos);
    if (partial_.size() > kMaxMetricsLine) { // no line mae writes: passed over to its end
      partial_.clear();
      skipping_line_ = true;
    }
  }
  caught_up_ = offset_ >= m.size;
  return added;
}

bool RunWatcher::take_line(const std::string& line) {
  const std::optional<MetricsRecord> r = parse_metrics_line(line);
  if (!r)
    return false;
  draft_.step = std::max(draft_.step, r->step);
  draft_.epoch = r->epoch;
  add_to_curves(draft_, *r);
  return true;
}

// Re-read only when their files changed: the checkpoint's header for its
// step, the previews at the last probe (a damaged file is said in the status
// until it changes).
bool RunWatcher::read_checkpoint_and_previews() {
  const fs::path run(dir_);
  bool changed = false;
  if (const Mark c = mark_of(run / kTrainStateName); !(c == checkpoint_)) {
    checkpoint_ = c;
    saved_step_ = c.size > 0 ? checkpoint_step(run / kTrainStateName) : -1;
    changed = true;
  }
  if (const Mark p = mark_of(run / kPreviewFileName); !(p == previews_)) {
    previews_ = p;
    draft_.previews.clear();
    draft_.preview_step = -1;
    preview_problem_.clear();
    if (p.size > 0)
      try {
        PreviewFile previews = read_preview_file((run / kPreviewFileName).string());
        draft_.previews = std::move(previews.previews);
        draft_.preview_step = previews.step;
      } catch (const CheckpointError& e) {
        preview_problem_ = e.what();
      }
    changed = true;
  }
  return changed;
}

void RunWatcher::state_at(Clock::time_point now) {
  const int64_t quiet_s =
      std::chrono::duration_cast<std::chrono::seconds>(now - last_change_).count();
  TrainingSnapshot& s = draft_;
  if (s.total_steps > 0 && saved_step_ >= s.total_steps) {
    s.state = TrainingState::Finished;
    s.message = "watching " + dir_ + ": finished, " + count_of(saved_step_, "step");
  } else if (now - last_change_ < kStaleAfter) {
    s.state = TrainingState::Running;
    s.message = "watching " + dir_ + ": running, step " + std::to_string(s.step) +
                (s.total_steps > 0 ? " of " + std::to_string(s.total_steps) : std::string());
  } else {
    s.state = TrainingState::Idle;
    s.message = "watching " + dir_ + ": stale, no new metrics for " + seconds_text(quiet_s) +
                " (stopped or crashed?); last checkpoint at step " +
                (saved_step_ >= 0 ? std::to_string(saved_step_) : std::string("none"));
  }
  if (!preview_problem_.empty())
    s.message += "; previews not shown: " + preview_problem_;
  if (unread_lines_ > 0)
    s.message += "; " + count_of(unread_lines_, "metrics line") +
                 " left out (not what a run writes: edited, or another file)";
}

} // namespace mae
