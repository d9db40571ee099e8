#include "train/metrics_log.h"
#include "train/metrics_line.h"

#include "base/errors.h"
#include "base/regular_file.h"
#include "formats/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace mae {

MetricsLog::MetricsLog(std::string path, int64_t resume_step) : path_(std::move(path)) {
  std::string kept;
  if (resume_step >= 0 && std::filesystem::exists(path_)) {
    // A FIFO would block the read for ever; a folder would read as nothing.
    if (const std::string why = why_not_regular_file(path_); !why.empty())
      throw DataError("cannot go on with the metrics file '" + path_ + "': " + why);
    std::ifstream in(path_);
    std::string line;
    while (std::getline(in, line)) {
      const bool torn = in.eof(); // no newline: the line a kill cut
      const auto r = parse_metrics_line(line);
      if (r && r->step <= resume_step)
        kept += line + "\n";
      else if (!r && !torn && line.find_first_not_of(" \t\r") != std::string::npos)
        ++damaged_;
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
    if (const auto r = parse_metrics_line(line))
      out.push_back(*r);
    else if (skipped && line.find_first_not_of(" \t\r") != std::string::npos)
      ++*skipped;
  }
  return out;
}

} // namespace mae
