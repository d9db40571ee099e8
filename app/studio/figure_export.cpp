#include "figure_export.h"

#include "base/errors.h"
#include "eval/figure.h"

#include <cstdio>

namespace mae::studio {

Image current_figure(const UiState& st) {
  if (st.tab != Tab::Compare) { // the Training tab exports the Explorer's figure
    if (!st.explorer.shown || st.explorer.shown->items.empty())
      throw UsageError("there is no reconstruction to export yet");
    const ReconstructionSet& set = *st.explorer.shown;
    return demo_figure(set.items.front().result, set.model_label, set.items.front().settings);
  }
  if (!st.compare.shown || st.compare.shown->items.empty())
    throw UsageError("there is no comparison to export yet");
  const ReconstructionSet& set = *st.compare.shown;
  // Two models share one mask setting: the columns are named by model instead.
  const bool two_models = set.items.size() == 2 && st.compare_mode == CompareMode::Models;
  const Reconstruction& first = set.items.front();
  std::vector<FigurePanel> masked, reconstructed;
  std::vector<std::string> caption = {
      (two_models ? first.settings.describe(first.result.grid_h, first.result.grid_w)
                  : set.model_label) +
      " | seed " + std::to_string(first.settings.seed) +
      " | masked-region MSE in [0,1] pixels (Telea inpainting baseline)"};
  for (const Reconstruction& r : set.items) {
    char title[96], line[160];
    std::snprintf(title, sizeof title, "%s",
                  two_models ? r.model_label.c_str()
                             : r.settings.describe(r.result.grid_h, r.result.grid_w).c_str());
    masked.push_back({r.result.masked, title});
    reconstructed.push_back({r.result.reconstruction_visible, "reconstruction + visible"});
    if (r.baselines_ready)
      std::snprintf(line, sizeof line, "%s: MAE %.4f, Telea %.4f", title, r.mae_mse, r.telea_mse);
    else
      std::snprintf(line, sizeof line, "%s: MAE %.4f", title, r.mae_mse);
    caption.emplace_back(line);
  }
  masked.insert(masked.end(), reconstructed.begin(), reconstructed.end());
  return compose_figure(masked, caption, 224, static_cast<int>(set.items.size()));
}

} // namespace mae::studio
