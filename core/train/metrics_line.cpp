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

// Losses, rates and speeds are never negative; an accuracy is a fraction (a
// hand-edited 5 plotted as 500 %).
std::optional<double> positive(const nlohmann::json& j, const char* key) {
  return json_number(j, key, 0, 1e12);
}

std::optional<double> fraction(const nlohmann::json& j, const char* key) {
  return json_number(j, key, 0, 1);
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
  r.loss = positive(j, "loss");
  r.lr = positive(j, "lr");
  r.images_per_s = positive(j, "img_per_s");
  r.knn_accuracy = fraction(j, "knn_acc");
  r.heldout_mse = positive(j, "heldout_mse");
  r.test_top1 = fraction(j, "test_top1");
  return r;
}

} // namespace mae
