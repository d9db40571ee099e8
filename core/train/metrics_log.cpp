#include "train/metrics_log.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/json_number.h"
#include "base/regular_file.h"
#include "formats/atomic_file.h"
#include "train/train_config.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace mae {
namespace {

// A value as mae writes them; anything vaster (1e300) is no training's and
// would stretch a plot's axes to infinity.
std::optional<double> number(const nlohmann::json& j, const char* key) {
  return json_number(j, key, -1e12, 1e12);
}

// A line's step: a whole number a run can reach (5.7 or 1e300 is no step).
std::optional<int64_t> step_of(const nlohmann::json& j) {
  return json_whole(j, "step", kMaxTrainSteps);
}

} // namespace

MetricsLog::MetricsLog(std::string path, int64_t resume_step) : path_(std::move(path)) {
  std::string kept;
  if (resume_step >= 0 && std::filesystem::exists(path_)) {
    // A FIFO would block the read for ever; a folder would read as nothing.
    if (const std::string why = why_not_regular_file(path_); !why.empty())
      throw DataError("cannot go on with the metrics file '" + path_ + "': " + why);
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      const auto step = step_of(parse_json_or_discarded(line));
      if (step && *step <= resume_step)
        kept += line + "\n";
    }
  }
  write_file_atomic(path_, kept.data(), kept.size());
  out_.open(path_, std::ios::app);
  if (!out_)
    throw TrainError("cannot append to '" + path_ + "'");
}

void MetricsLog::append(const TrainProgress& p) {
  append_line(metrics_line(p));
}

void MetricsLog::append_line(const std::string& json) {
  out_ << json << "\n";
  out_.flush();
  // The run's record: a full disk stops the run now, with its last
  // checkpoint, not hundreds of unlogged steps later at the final save.
  if (!out_)
    throw TrainError("cannot write to '" + path_ +
                     "' (is the disk full?): stopped; the last checkpoint is kept");
}

std::string metrics_line(const TrainProgress& p) {
  nlohmann::json j = {{"step", p.step}, {"epoch", p.epoch}};
  if (p.loss) {
    j["loss"] = *p.loss;
    j["lr"] = p.lr;
    j["img_per_s"] = p.images_per_s;
    j["steps_per_s"] = p.steps_per_s;
  }
  j["elapsed_s"] = p.elapsed_s;
  j["skipped_images"] = p.skipped_images;
  j["skipped_steps"] = p.skipped_steps;
  if (p.knn_accuracy)
    j["knn_acc"] = *p.knn_accuracy;
  if (p.heldout_mse)
    j["heldout_mse"] = *p.heldout_mse;
  return j.dump();
}

MetricsRecord metrics_record(const TrainProgress& p) {
  MetricsRecord r;
  r.step = p.step;
  r.epoch = p.epoch;
  r.loss = p.loss;
  if (p.loss) { // lr and speed belong to a report with steps, as in metrics_line
    r.lr = p.lr;
    r.images_per_s = p.images_per_s;
  }
  r.knn_accuracy = p.knn_accuracy;
  r.heldout_mse = p.heldout_mse;
  return r;
}

std::vector<MetricsRecord> read_metrics(const std::string& path, size_t* skipped) {
  // A directory would read as no lines and a FIFO would block: say why instead.
  if (const std::string why = why_not_regular_file(path); !why.empty())
    throw DataError("cannot read metrics file '" + path + "': " + why);
  std::ifstream in(path);
  if (!in)
    throw DataError("cannot open metrics file '" + path + "'");
  std::vector<MetricsRecord> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = parse_json_or_discarded(line);
    const auto step = step_of(j);
    if (!step) {
      if (skipped && line.find_first_not_of(" \t\r") != std::string::npos)
        ++*skipped;
      continue;
    }
    MetricsRecord r;
    r.step = *step;
    r.epoch = number(j, "epoch").value_or(0.0);
    r.loss = number(j, "loss");
    r.lr = number(j, "lr");
    r.images_per_s = number(j, "img_per_s");
    r.knn_accuracy = number(j, "knn_acc");
    r.heldout_mse = number(j, "heldout_mse");
    r.test_top1 = number(j, "test_top1");
    out.push_back(r);
  }
  return out;
}

} // namespace mae
