#include "base/patch_label.h"
#include "mask_controls.h"
#include "panels/panels.h"
#include "panels/patch_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace mae::studio {
namespace {

// Which patch the pointer is over, and what happened to it; `note` says what
// the panel shows.
void patch_tooltip(const ImVec2& texel, const Reconstruction& rec, const char* note = nullptr) {
  const ReconstructionResult& r = rec.result;
  const int gx = std::clamp(static_cast<int>(texel.x) / r.patch_size, 0, r.grid_w - 1);
  const int gy = std::clamp(static_cast<int>(texel.y) / r.patch_size, 0, r.grid_h - 1);
  const size_t i = static_cast<size_t>(gy) * r.grid_w + gx;
  ImGui::BeginTooltip();
  ImGui::Text("%s: %s", patch_label(static_cast<int64_t>(i), r.grid_w).c_str(),
              r.mask[i] ? "removed" : "visible");
  if (r.mask[i])
    ImGui::Text("reconstruction MSE %.4f", r.patch_error[i]);
  else // the decoder's output there is in no loss
    ImGui::TextUnformatted("given to the encoder; not in the loss");
  if (note) {
    ImGui::Separator();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 24);
    ImGui::TextDisabled("%s", note);
    ImGui::PopTextWrapPos();
  }
  ImGui::EndTooltip();
}

// Custom mask: a press on a patch of the masked panel starts a stroke that
// removes it (or restores it, if it was removed); dragging paints the same
// way over the patches the pointer crosses.
void paint_stroke(UiState& st, const PanelHit& hit, const ReconstructionResult& r) {
  if (!ImGui::IsMouseDown(ImGuiMouseButton_Left))
    st.paint.active = false;
  if (!hit.texel)
    return;
  const int gx = std::clamp(static_cast<int>(hit.texel->x) / r.patch_size, 0, r.grid_w - 1);
  const int gy = std::clamp(static_cast<int>(hit.texel->y) / r.patch_size, 0, r.grid_h - 1);
  const int patch = gy * r.grid_w + gx;
  if (ImGui::IsItemClicked(ImGuiMouseButton_Left)) {
    st.paint.active = true;
    st.paint.removing = st.mask.custom[static_cast<size_t>(patch)] == 0;
  }
  if (st.paint.active)
    paint_patch(st, patch, st.paint.removing);
}

// The paper's figure: masked | reconstruction | reconstruction + visible |
// original, each with its caption and what a student asks about it.
void draw_figure_row(PanelContext& ctx, const Reconstruction& rec,
                     const ReconstructionTextures& tex, const PanelImage& picture, float side,
                     float gap) {
  UiState& st = ctx.state;
  const ReconstructionResult& r = rec.result;
  PanelImage predicted = picture;
  predicted.tint = st.display.tint;

  // Each caption has a brief form that keeps its number in a narrow window.
  const int removed = removed_count(r);
  const std::string removed_of =
      std::to_string(removed) + " of " + std::to_string(r.mask.size()) + " removed";
  const std::string removed_text = fitting(
      {removed_of +
           printf_string(" (%.0f%%)", 100.0 * removed / std::max<size_t>(1, r.mask.size())),
       removed_of, std::to_string(removed) + "/" + std::to_string(r.mask.size()) + " removed",
       std::to_string(removed) + " removed"},
      side);
  // An MSE over no pixels would read as a perfect score; NaN weights as a bug.
  const std::string mae_text = !r.finite ? std::string("not finite: NaN or infinite weights?")
                               : removed == 0
                                   ? std::string("no removed patches")
                                   : fitting({printf_string("MAE masked MSE %.4g", rec.mae_mse),
                                              printf_string("MSE %.4g", rec.mae_mse)},
                                             side);
  const std::string size =
      std::to_string(r.original.width) + " x " + std::to_string(r.original.height);

  struct Cell {
    const char* name;
    std::string title;
    const Texture* texture;
    const PanelImage* style;
    std::string caption;
  };
  const bool norm_pix = r.denormalised_with_true_stats;
  const char* const notes[4] = {
      "Removed patches filled with the mean colour: what the encoder does not see.",
      "The decoder's output for every patch. Only removed patches are trained, so on visible "
      "patches it can be pale, blurred or speckled: that is expected, not a bug. The loss is the "
      "model's "
      "training loss on this mask, in its own target space (pixels normalised with the "
      "dataset's mean and std, or per patch for norm-pix models), so it does not compare with the "
      "MSE next to it.",
      "Visible patches as they were, predictions where removed: the paper's figure. The MSE is "
      "over removed pixels only, in [0, 1] pixel units, as for the baselines below.",
      "The model's input: the picture resized and centre-cropped to the model's size."};
  const Cell cells[4] = {
      {"masked", "masked", &tex.masked, &picture, removed_text},
      {"reconstruction", "reconstruction", &tex.reconstruction, &predicted,
       fitting({printf_string(norm_pix ? "loss %.4f (per-patch normalised)"
                                       : "loss %.4f (mean/std-normalised)",
                              r.loss),
                printf_string("loss %.4f", r.loss)},
               side)},
      {"reconstruction_visible", fitting({"reconstruction + visible", "recon. + visible"}, side),
       &tex.reconstruction_visible, &predicted, mae_text},
      {"original", "original", &tex.original, &picture,
       fitting({size + " model input", size}, side)},
  };
  // Painting needs the custom mask to match the grid on screen.
  const bool painting =
      st.mask.strategy == MaskStrategy::Custom && st.mask.custom.size() == r.mask.size();
  for (int i = 0; i < 4; ++i) {
    if (i)
      ImGui::SameLine(0, gap);
    PanelImage img = *cells[i].style;
    img.image = cells[i].texture;
    const bool paint_here = painting && i == 0;
    const PanelHit hit = image_panel(ctx, cells[i].name, cells[i].title, img, st.explorer_view,
                                     side, {cells[i].caption}, !paint_here);
    if (paint_here)
      paint_stroke(st, hit, r);
    if (hit.texel)
      patch_tooltip(*hit.texel, rec,
                    paint_here ? "Custom mask: click or drag to remove patches, or to restore "
                                 "removed ones."
                               : notes[i]);
  }
}

// Where MAE errs: the per-patch error over the picture, with its colour scale
// 0 ... max error in its caption line.
void draw_error_heatmap(PanelContext& ctx, const Reconstruction& rec,
                        const ReconstructionTextures& tex, const PanelImage& picture, float side) {
  const ReconstructionResult& r = rec.result;
  float max_error = 1e-6f;
  for (float e : removed_patch_errors(r))
    max_error = std::max(max_error, e);
  PanelImage heat = picture;
  heat.mode = PanelImage::Mode::Heatmap;
  heat.image = &tex.original;
  heat.values = &tex.error;
  heat.value_max = max_error;
  const PanelHit hit = image_panel(ctx, "error_heatmap", "per-patch error", heat,
                                   ctx.state.explorer_view, side, {""});
  if (hit.texel)
    patch_tooltip(*hit.texel, rec);
  // The colour scale fills the caption line image_panel reserved.
  const std::string hi = printf_string("%.3f", max_error);
  const DrawnRect scale = draw_colour_scale(
      {hit.min.x, hit.max.y + ImGui::GetStyle().ItemSpacing.y}, side, Colormap::Viridis, "0", hi,
      "The map's colours: from no error (dark purple) to the worst removed patch's (" + hi +
          ", yellow), the mean squared error of its pixels in [0, 1]. Visible patches are "
          "grey: MAE does not reconstruct them, and they are in no loss.");
  ctx.state.panel_rects.push_back({"error_scale", scale, {"0", hi}});
}

// What two classical fills make of the same mask; they arrive a moment after
// the model's pictures.
void draw_baselines(PanelContext& ctx, const Reconstruction& rec, const ReconstructionTextures& tex,
                    const PanelImage& picture, float side, float gap) {
  const bool ready = rec.baselines_ready;
  PanelImage telea = picture;
  telea.image = ready ? &tex.telea : nullptr;
  const PanelHit telea_hit =
      image_panel(ctx, "telea", "inpainting (Telea)", telea, ctx.state.explorer_view, side,
                  {ready ? fitting({printf_string("Telea masked MSE %.4g", rec.telea_mse),
                                    printf_string("MSE %.4g", rec.telea_mse)},
                                   side)
                         : "computing ..."});
  if (telea_hit.texel)
    patch_tooltip(*telea_hit.texel, rec);

  ImGui::SameLine(0, gap);
  PanelImage mean = picture;
  mean.image = ready ? &tex.mean_fill : nullptr;
  image_panel(ctx, "mean_fill", "mean-colour fill", mean, ctx.state.explorer_view, side,
              {ready ? fitting({printf_string("mean-fill masked MSE %.4g", rec.mean_fill_mse),
                                printf_string("MSE %.4g", rec.mean_fill_mse)},
                               side)
                     : "computing ..."});
}

// What the figure was made with, below the numbers; where the column has no
// room left for it (Present mode's large text on a 1024 x 768 projector), one
// line whose tooltip holds it: the numbers above matter more.
void draw_settings_notes(const Reconstruction& rec, float side) {
  const ReconstructionResult& r = rec.result;
  const std::string mask = rec.settings.describe(r.grid_h, r.grid_w);
  std::vector<std::string> notes{
      rec.settings.strategy == MaskStrategy::Custom
          ? mask + " (painted)"
          : printf_string("%s masking, seed %llu", mask.c_str(),
                          static_cast<unsigned long long>(rec.settings.seed)),
      printf_string("%d x %d patches of %d px", r.grid_w, r.grid_h, r.patch_size),
      printf_string("inference %.1f ms", r.inference_ms)};
  if (r.denormalised_with_true_stats)
    notes.push_back("norm-pix model: patches de-normalised with the true patches' mean/std");
  float height = 0;
  for (const std::string& note : notes)
    height +=
        ImGui::CalcTextSize(note.c_str(), nullptr, false, side).y + ImGui::GetStyle().ItemSpacing.y;
  if (height <= ImGui::GetContentRegionAvail().y) {
    for (const std::string& note : notes)
      wrapped_text(note, side);
    return;
  }
  std::string all;
  for (const std::string& note : notes)
    all += (all.empty() ? "" : "\n") + note;
  ImGui::TextDisabled("settings (hover)");
  if (ImGui::IsItemHovered())
    wrapped_tooltip("%s", all.c_str());
}

// The numbers side by side, and what the figure was made with, in a column
// `side` wide.
void draw_numbers(const Reconstruction& rec, float side) {
  const bool ready = rec.baselines_ready;
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetCursorPos().x + side);
  ImGui::TextUnformatted("masked-region MSE ([0,1] pixels)");
  ImGui::Separator();
  const double best_baseline = std::min(rec.telea_mse, rec.mean_fill_mse);
  // Numbers never wrap (a small window broke them one digit a line): short
  // names where the column cannot hold the long ones.
  const bool narrow =
      ImGui::CalcTextSize("mean-colour fill  0.00000").x + ImGui::GetStyle().CellPadding.x * 4 >
      side;
  ImGui::PushTextWrapPos(-1.0f);
  if (ImGui::BeginTable("mse", 2, ImGuiTableFlags_SizingFixedFit)) {
    const auto row = [](const char* name, double v, bool known) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(name);
      ImGui::TableNextColumn();
      if (!known)
        ImGui::TextDisabled("...");
      else if (!std::isfinite(v)) // NaN weights
        ImGui::TextDisabled("not finite");
      else // four significant digits: 0.01007 and 0.01011 differ on screen too
        ImGui::Text("%.4g", v);
    };
    row("MAE", rec.mae_mse, true);
    row(narrow ? "Telea" : "Telea inpainting", rec.telea_mse, ready);
    row(narrow ? "mean fill" : "mean-colour fill", rec.mean_fill_mse, ready);
    ImGui::EndTable();
  }
  ImGui::PopTextWrapPos();
  if (ready && best_baseline > 0 && std::isfinite(rec.mae_mse)) {
    const double change = 100.0 * (rec.mae_mse - best_baseline) / best_baseline;
    ImGui::PushStyleColor(ImGuiCol_Text, change < 0 ? ImVec4(0.45f, 0.85f, 0.45f, 1.0f)
                                                    : ImVec4(1.0f, 0.6f, 0.35f, 1.0f));
    wrapped_text(printf_string("MAE error is %.0f%% %s than the best baseline", std::fabs(change),
                               change < 0 ? "lower" : "higher"),
                 side);
    ImGui::PopStyleColor();
  }
  ImGui::Spacing();
  draw_settings_notes(rec, side);
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
}

} // namespace

void draw_reconstruction_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  if (!explorer_ready(ctx))
    return;
  const Reconstruction& rec = st.explorer.shown->items.front();
  const ReconstructionResult& r = rec.result;
  const ReconstructionTextures& tex = ctx.explorer.items().front();

  // Two rows of square panels with one caption line each, as large as fit.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float side =
      std::floor(std::max(32.0f, std::min((avail.x - 3 * gap) / 4,
                                          (avail.y - 2 * image_panel_extra_height(1) - gap) / 2)));
  PanelImage picture;
  picture.grid_w = r.grid_w;
  picture.grid_h = r.grid_h;
  picture.grid = st.display.grid;
  picture.integer_zoom = st.display.integer_zoom;
  picture.mask = &tex.mask;

  draw_figure_row(ctx, rec, tex, picture, side, gap);
  ImGui::Dummy({0, gap / 2});
  draw_error_heatmap(ctx, rec, tex, picture, side);
  ImGui::SameLine(0, gap);
  draw_baselines(ctx, rec, tex, picture, side, gap);
  ImGui::SameLine(0, gap);
  draw_numbers(rec, std::max(side, avail.x - 3 * (side + gap))); // what is left of the row
}

} // namespace mae::studio
