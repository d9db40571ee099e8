#include "train/metrics_line.h"

#include "base/config_json.h"
#include "base/json_number.h"
#include "train/train_config.h"

#include <nlohmann/json.hpp>

namespace mae {
namespace {

// One field of a line: absent or null (a NaN loss is written as null) is no
// value; a value outside what mae writes (a string, 1e300, a hand-edited
// knn_acc of 5 that plotted as 500 %) marks the whole line as not mae's.
struct Fields {
  const nlohmann::json& j;
  bool bad = false;
  std::optional<double> get(const char* key, double lo, double hi) {
    const auto v = json_number(j, key, lo, hi);
    if (!v && j.contains(key) && !j[key].is_null())
      bad = true;
    return v;
  }
  // Anything vaster than 1e12 is no training's and stretches a plot's axes.
  std::optional<double> number(const char* key) { return get(key, -1e12, 1e12); }
  // Losses, rates and speeds are never negative.
  std::optional<double> positive(const char* key) { return get(key, 0, 1e12); }
  std::optional<double> fraction(const char* key) { return get(key, 0, 1); }
};

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
  Fields f{j};
  r.epoch = f.number("epoch").value_or(0.0);
  r.loss = f.positive("loss");
  r.lr = f.positive("lr");
  r.images_per_s = f.positive("img_per_s");
  r.knn_accuracy = f.fraction("knn_acc");
  r.heldout_mse = f.positive("heldout_mse");
  r.test_top1 = f.fraction("test_top1");
  if (f.bad)
    return std::nullopt;
  return r;
}

} // namespace mae
