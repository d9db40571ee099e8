// One line of metrics.jsonl read back: what `mae plot-metrics`, a resumed
// run and the app's follower of another process's run all read.
#pragma once

#include "train/metrics_log.h"

#include <cstddef>
#include <optional>
#include <string>

namespace mae {

// A line mae writes is a few hundred bytes; a longer one (an edited file, a
// stray array) is passed over unparsed: parsed, it took 24 times its size.
constexpr size_t kMaxMetricsLine = 64 * 1024;

// The record of a JSON object with a step; none for anything else (a torn
// last line, a line too long, numbers no run writes).
std::optional<MetricsRecord> parse_metrics_line(const std::string& line);

} // namespace mae
