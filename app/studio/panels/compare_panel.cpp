#include "dialogs/dialogs.h"
#include "mask_controls.h"
#include "panels/panels.h"

#include "checkpoint/model_label.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mae::studio {

namespace {

// One of the modes' radio buttons, after the one before it where it fits.
void mode_button(UiState& st, const char* label, CompareMode mode, const char* help) {
  if (mode != CompareMode::Ratios)
    same_line_if_fits(label);
  if (ImGui::RadioButton(label, st.compare_mode == mode))
    st.compare_mode = mode;
  tooltip(help);
}

// Two models: which one is beside the main model, and a button to choose it.
// Returns false while there is none to show.
bool second_model_bar(UiState& st) {
  const std::string name =
      st.second_model_path.empty() ? std::string("none") : model_label(st.second_model_path);
  ImGui::AlignTextToFramePadding();
  ImGui::Text("second model: %s", name.c_str());
  if (!st.second_model_path.empty())
    tooltip(st.second_model_path.c_str());
  ImGui::SameLine();
  if (ImGui::Button(st.second_model ? "Change..." : "Choose..."))
    open_file_browser(st, FileBrowserState::Mode::OpenSecondModel);
  tooltip("The model set beside the main one (the sidebar's) on the same picture and mask "
          "settings: a bigger model, or a run's checkpoint before and after training. A model "
          "with another input size or patch grid gets its own mask at the same ratio");
  if (!st.loading_second_model.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("loading %s ...", model_label(st.loading_second_model).c_str());
  }
  return st.second_model != nullptr;
}

// On the modes' line where it fits, else on its own.
void inpainting_toggle(UiState& st) {
  const char* label = "inpainting row";
  same_line_if_fits(labelled_width(label), ImGui::GetStyle().ItemSpacing.x * 3);
  ImGui::Checkbox(label, &st.display.compare_inpainting);
  tooltip("Telea's inpainting of the same masks under the reconstructions, a classical method "
          "to beat. Off, the pictures are half as large again: for a small screen or a "
          "projector");
}

// A model's label, then briefer: without its extension, then its folder
// alone ("tr1/model.safetensors", "tr1/model", "tr1").
std::vector<std::string> label_forms(const std::string& label) {
  std::vector<std::string> forms = {label};
  const size_t dot = label.rfind('.');
  if (dot != std::string::npos && dot > 0)
    forms.push_back(label.substr(0, dot));
  if (const size_t slash = label.find('/'); slash != std::string::npos && slash > 0)
    forms.push_back(label.substr(0, slash));
  return forms;
}

// The largest side for n columns and the original beside them.
float compare_side(size_t n, bool inpainting, float gap) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float cols = static_cast<float>(n + 1);
  const float rows = inpainting ? 3.0f : 2.0f;
  return std::floor(std::max(
      32.0f, std::min((avail.x - (cols - 1) * gap) / cols,
                      (avail.y - rows * image_panel_extra_height(1) - (rows - 1) * gap) / rows)));
}

// "MSE 0.0101": four decimals side by side, where %.4g mixed 0.009214 and
// 0.01007; a tiny error keeps its digits ("MSE 3.21e-05", not 0.0000).
void mse_caption(char* out, size_t size, double mse) {
  std::snprintf(out, size, mse >= 1e-3 || mse == 0 ? "MSE %.4f" : "MSE %.2e", mse);
}

// Said where a norm-pix model's MSE stands beside Telea's.
constexpr const char* kNormPixFlattered =
    "a norm-pix model (norm_pix_loss) predicts each removed patch up to its mean and spread: it "
    "is given their true values, which Telea never sees, so its MSE is flattered";

// Column i: the masked picture over the reconstruction + visible (over
// Telea's inpainting of the same mask when shown), `side` px each, their
// titles and captions `width` wide (the column's share of a wide window).
void compare_column(PanelContext& ctx, size_t i, float side, float width, float gap) {
  UiState& st = ctx.state;
  const bool two_models = st.compare_mode == CompareMode::Models;
  const bool inpainting = st.display.compare_inpainting;
  const Reconstruction& rec = st.compare.shown->items[i];
  const ReconstructionTextures& tex = ctx.compare.items()[i];
  ImGui::BeginGroup();
  PanelImage img;
  img.grid_w = rec.result.grid_w;
  img.grid_h = rec.result.grid_h;
  img.grid = st.display.grid;
  img.integer_zoom = st.display.integer_zoom;
  img.mask = &tex.mask;
  img.image = &tex.masked;
  char caption[96];
  // Two models share the mask settings: the column says whose it is. In a
  // narrow column, what differs between the columns.
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "ratio %.2f", rec.settings.ratio);
  const std::string title =
      two_models ? fitting(label_forms(rec.model_label), width)
                 : fitting({rec.settings.describe(rec.result.grid_h, rec.result.grid_w),
                            st.compare_mode == CompareMode::Ratios
                                ? std::string(ratio)
                                : std::string(to_string(rec.settings.strategy))},
                           width);
  const std::string n_removed = std::to_string(removed_count(rec.result)),
                    total = std::to_string(rec.result.mask.size());
  const std::string id = std::to_string(i);
  const PanelHit masked =
      image_panel(ctx, ("compare_masked_" + id).c_str(), title, img, st.compare_view, side,
                  {fitting({n_removed + " of " + total + " patches removed",
                            n_removed + " of " + total + " removed",
                            n_removed + "/" + total + " removed", n_removed + " / " + total},
                           width)},
                  true, width);
  if (masked.texel)
    wrapped_tooltip("%s of %s patches removed: the encoder sees the other %zu, and the "
                    "decoder predicts the removed ones",
                    n_removed.c_str(), total.c_str(),
                    rec.result.mask.size() - static_cast<size_t>(removed_count(rec.result)));
  ImGui::Dummy({0, gap / 2});
  img.image = &tex.reconstruction_visible;
  img.tint = st.display.tint;
  mse_caption(caption, sizeof caption, rec.mae_mse);
  const PanelHit reconstruction = image_panel(
      ctx, ("compare_reconstruction_" + id).c_str(),
      fitting({"reconstruction + visible", "reconstruction"}, width), img, st.compare_view, side,
      {fitting({std::string("MAE masked ") + caption, caption}, width)}, true, width);
  const bool norm_pix = rec.result.denormalised_with_true_stats;
  if (reconstruction.texel)
    wrapped_tooltip("The model's prediction of the removed patches, the visible ones pasted "
                    "back. MSE: the mean squared difference from the original over the removed "
                    "patches' pixels (0 to 1), lower is better%s%s",
                    norm_pix ? ". But " : "", norm_pix ? kNormPixFlattered : "");
  if (inpainting) {
    ImGui::Dummy({0, gap / 2});
    // The inpainting baseline on the same mask arrives a moment later.
    img.image = rec.baselines_ready ? &tex.telea : nullptr;
    img.tint = false;
    mse_caption(caption, sizeof caption, rec.telea_mse);
    const PanelHit telea = image_panel(
        ctx, ("compare_telea_" + id).c_str(), fitting({"inpainting (Telea)", "Telea"}, width), img,
        st.compare_view, side,
        {rec.baselines_ready ? fitting({std::string("Telea masked ") + caption, caption}, width)
                             : "computing ..."},
        true, width);
    if (telea.texel)
      wrapped_tooltip("OpenCV's Telea inpainting of the same mask: a classical method that fills "
                      "the removed patches in from their edges and learns nothing. Its MSE is "
                      "measured as the model's above%s%s",
                      norm_pix ? "; but " : ": a lower one means it did better there",
                      norm_pix ? kNormPixFlattered : "");
  }
  ImGui::EndGroup();
}

// What a painted mask becomes here (app.cpp's compare_settings): it has no
// ratio to vary, and fits only its own model's patch grid.
void painted_mask_note(const UiState& st) {
  if (st.mask.strategy != MaskStrategy::Custom)
    return;
  const char* note = nullptr;
  if (st.compare_mode != CompareMode::Models)
    note = "Your painted mask has no ratio or strategy to vary: these columns use random masks "
           "(its seed; in the strategies row, the share of patches it removes).";
  else if (second_model_has_other_grid(st))
    note = "The second model cuts the picture into another patch grid, where your painted mask "
           "does not fit: it gets a random mask removing the same share.";
  if (note)
    ImGui::TextWrapped("%s", note);
}

} // namespace

void draw_compare_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  mode_button(st, "masking ratios 50 / 75 / 90 %", CompareMode::Ratios,
              "The same picture, strategy and seed at three ratios: how much a higher ratio "
              "loses (the paper's Fig. 4 shows one model at 75, 85 and 95 %)");
  mode_button(st, "strategies at one ratio (cf. paper Fig. 6)", CompareMode::Strategies,
              "Random, block and grid masking at the current ratio (the paper's Fig. 6 shows "
              "block at 50 %): a grid's gaps are often filled with the lowest error, an easy "
              "task; random trains the best encoder (Table 1f)");
  mode_button(st, "two models", CompareMode::Models,
              "The main model and a second one on the same picture and mask settings: e.g. the "
              "default "
              "model against a loaded ViT-L, or a run before and after training");
  inpainting_toggle(st);
  const bool two_models = st.compare_mode == CompareMode::Models;
  if (two_models && !second_model_bar(st)) {
    ImGui::Separator();
    centred_message("Choose a second model to set beside " + model_label(st.model_path));
    return;
  }
  painted_mask_note(st);
  if (const std::string note = two_models ? second_model_input_note(st) : ""; !note.empty())
    ImGui::TextWrapped("%s", note.c_str());
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
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float side = compare_side(n, st.display.compare_inpainting, gap);
  // Rows too tall for a wide window leave width over: the captions take up
  // to twice the pictures' width (large text cut them to "MSE 0..."), and the
  // grid goes in the middle.
  const float cols = static_cast<float>(n + 1);
  const float column = std::floor(
      std::clamp((ImGui::GetContentRegionAvail().x - (cols - 1) * gap) / cols, side, 2 * side));
  const float width = cols * column + (cols - 1) * gap;
  const float spare = ImGui::GetContentRegionAvail().x - width;
  if (spare > 2)
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::floor(spare / 2));
  for (size_t i = 0; i < n; ++i) {
    if (i)
      ImGui::SameLine(0, gap);
    compare_column(ctx, i, side, column, gap);
  }
  if (n > 0) {
    ImGui::SameLine(0, gap);
    PanelImage original;
    original.grid_w = set.items[0].result.grid_w;
    original.grid_h = set.items[0].result.grid_h;
    original.grid = st.display.grid;
    original.integer_zoom = st.display.integer_zoom;
    original.image = &ctx.compare.items()[0].original;
    image_panel(
        ctx, "compare_original", "original", original, st.compare_view, side,
        {fitting({two_models ? "the main model's input" : "the model's input", "input"}, column)},
        true, column);
  }
  if (std::any_of(set.items.begin(), set.items.begin() + static_cast<std::ptrdiff_t>(n),
                  [](const Reconstruction& r) { return r.result.denormalised_with_true_stats; }))
    ImGui::TextWrapped("Note: %s.", kNormPixFlattered);
}

} // namespace mae::studio
