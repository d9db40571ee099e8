#include "plot/curves_csv.h"

#include "data/written_by_mae.h"
#include "formats/atomic_file.h"

#include <array>
#include <cstdio>
#include <map>
#include <optional>

namespace mae::studio {

std::string curves_csv(const TrainingSnapshot& s) {
  using Row = std::array<std::optional<double>, 5>;
  std::map<int64_t, Row> rows;
  const std::vector<std::pair<int64_t, double>>* curves[5] = {&s.loss, &s.lr, &s.images_per_s,
                                                              &s.knn_accuracy, &s.heldout_mse};
  for (size_t c = 0; c < 5; ++c)
    for (const auto& [step, value] : *curves[c])
      rows[step][c] = value;
  std::string out = std::string(kCurvesCsvHeader) + "\n";
  for (const auto& [step, row] : rows) {
    out += std::to_string(step);
    for (const auto& v : row) {
      out += ',';
      if (v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", *v);
        out += buf;
      }
    }
    out += '\n';
  }
  return out;
}

void write_curves_csv(const std::string& path, const TrainingSnapshot& snapshot) {
  const std::string text = curves_csv(snapshot);
  write_file_atomic(path, text.data(), text.size());
}

} // namespace mae::studio
