#include "panels/panels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mae::studio {

void draw_compare_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  if (ImGui::RadioButton("masking ratios 50 / 75 / 90 %", st.compare_mode == CompareMode::Ratios))
    st.compare_mode = CompareMode::Ratios;
  tooltip("The same picture, strategy and seed at three ratios: how much a higher ratio loses "
          "(the paper's Fig. 2-4 at several ratios)");
  ImGui::SameLine();
  if (ImGui::RadioButton("strategies at one ratio (paper Fig. 6)",
                         st.compare_mode == CompareMode::Strategies))
    st.compare_mode = CompareMode::Strategies;
  tooltip("Random, block and grid masking at the current ratio, as in the paper's Fig. 6: "
          "random is the hardest to cheat and trains the best");
  ImGui::Separator();

  const std::string waiting = waiting_reason(st, st.compare);
  if (!waiting.empty() || ctx.compare.items().empty()) {
    centred_message(waiting.empty() ? "Uploading ..." : waiting);
    return;
  }
  const ReconstructionSet& set = *st.compare.shown;
  const size_t n = std::min(set.items.size(), ctx.compare.items().size());

  // Columns of masked over reconstruction + visible over Telea's inpainting
  // of the same mask, and the original beside them, as large as fit.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float cols = static_cast<float>(n + 1);
  const float side = std::floor(
      std::max(32.0f, std::min((avail.x - (cols - 1) * gap) / cols,
                               (avail.y - 3 * image_panel_extra_height(1) - 2 * gap) / 3)));
  for (size_t i = 0; i < n; ++i) {
    const Reconstruction& rec = set.items[i];
    const ReconstructionTextures& tex = ctx.compare.items()[i];
    if (i)
      ImGui::SameLine(0, gap);
    ImGui::BeginGroup();
    PanelImage img;
    img.grid_w = rec.result.grid_w;
    img.grid_h = rec.result.grid_h;
    img.grid = st.display.grid;
    img.integer_zoom = st.display.integer_zoom;
    img.mask = &tex.mask;
    img.image = &tex.masked;
    char caption[96];
    const std::string title = rec.settings.describe(rec.result.grid_h, rec.result.grid_w);
    int removed = 0;
    for (uint8_t m : rec.result.mask)
      removed += m != 0;
    std::snprintf(caption, sizeof caption, "%d of %zu patches removed", removed,
                  rec.result.mask.size());
    const std::string id = std::to_string(i);
    image_panel(ctx, ("compare_masked_" + id).c_str(), title, img, st.compare_view, side,
                {caption});
    ImGui::Dummy({0, gap / 2});
    img.image = &tex.reconstruction_visible;
    img.tint = st.display.tint;
    std::snprintf(caption, sizeof caption, "MAE masked MSE %.4f", rec.mae_mse);
    image_panel(ctx, ("compare_reconstruction_" + id).c_str(), "reconstruction + visible", img,
                st.compare_view, side, {caption});
    ImGui::Dummy({0, gap / 2});
    // The inpainting baseline on the same mask arrives a moment later.
    img.image = rec.baselines_ready ? &tex.telea : nullptr;
    img.tint = false;
    std::snprintf(caption, sizeof caption, "Telea masked MSE %.4f", rec.telea_mse);
    image_panel(ctx, ("compare_telea_" + id).c_str(), "inpainting (Telea)", img, st.compare_view,
                side, {rec.baselines_ready ? caption : "computing ..."});
    ImGui::EndGroup();
  }
  if (n > 0) {
    ImGui::SameLine(0, gap);
    PanelImage original;
    original.grid_w = set.items[0].result.grid_w;
    original.grid_h = set.items[0].result.grid_h;
    original.grid = st.display.grid;
    original.integer_zoom = st.display.integer_zoom;
    original.image = &ctx.compare.items()[0].original;
    image_panel(ctx, "compare_original", "original", original, st.compare_view, side,
                {"the model's input"});
  }
}

} // namespace mae::studio
