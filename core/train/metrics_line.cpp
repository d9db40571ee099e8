#include "train/metrics_line.h"

#include "base/config_json.h"
#include "base/json_number.h"
#include "train/train_config.h"

#include <nlohmann/json.hpp>

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

std::optional<MetricsRecord> parse_metrics_line(const std::string& line) {
  if (line.size() > kMaxMetricsLine)
    return std::nullopt;
  const auto j = parse_json_or_discarded(line);
  const auto step = step_of(j);
  if (!step)
    return std::nullopt;
  MetricsRecord r;
  r.step = *step;
  r.epoch = number(j, "epoch").value_or(0.0);
  r.loss = number(j, "loss");
  r.lr = number(j, "lr");
  r.images_per_s = number(j, "img_per_s");
  r.knn_accuracy = number(j, "knn_acc");
  r.heldout_mse = number(j, "heldout_mse");
  r.test_top1 = number(j, "test_top1");
  return r;
}

} // namespace mae
