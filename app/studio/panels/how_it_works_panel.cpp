// The How-it-works tab: one forward pass of the current image, model, ratio,
// strategy and seed as a strip of stages, each drawn from the real tensors of
// that forward (ForwardTrace). A patch under the pointer is highlighted in
// every stage; clicking a stage opens it large with its explanation.
#include "base/patch_label.h"
#include "panels/panels.h"
#include "panels/patch_grid.h"

#include "eval/colormap.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace mae::studio {
namespace {

constexpr int kStages = 8;
const ImU32 kKept = IM_COL32(90, 210, 120, 255);

// "0.55 GFLOP", "7.9 MFLOP": the unit that keeps small models readable.
std::string flop_text(double flops) {
  return flops >= 1e9 ? printf_string("%.2f GFLOP", flops / 1e9)
                      : printf_string("%.1f MFLOP", flops / 1e6);
}

// What one forward did, for the stages to draw and explain.
struct Forward {
  const ReconstructionResult& r;
  const ForwardTrace& t;
  const ReconstructionTextures& tex;
  const MaskSettings& settings;
  int kept() const { return static_cast<int>(t.kept.size()); }
  bool removed(int patch) const { return r.mask[static_cast<size_t>(patch)] != 0; }
  // The slot a kept patch has in the encoder's packed input, or -1.
  int slot(int patch) const {
    const auto at = std::find(t.kept.begin(), t.kept.end(), patch);
    return at == t.kept.end() ? -1 : static_cast<int>(at - t.kept.begin());
  }
};

// The encoder's packed input: the kept patches in a near-square block.
int packed_cols(int kept) {
  return std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(kept)))));
}

// One caption line's forms, longest first: the first that fits is shown, so a
// small screen keeps the numbers.
using Line = std::vector<std::string>;

struct Stage {
  const char* name; // the --layout key
  const char* title;
  // Drawn into the picture's square; returns the patch under the pointer, or -1.
  int (*draw)(ImDrawList*, const Forward&, ImVec2 at, float side, int highlighted);
  // The two caption lines under the picture, each in its forms.
  std::vector<Line> (*caption)(const Forward&);
  const char* formula;
  const char* explanation;
};

Frame image_frame(const Forward& fw, ImVec2 at, float side) {
  return fit(at, side, fw.r.grid_w, fw.r.grid_h);
}

// The end of every stage drawn on the patch grid: the highlighted patch
// outlined, and the patch under the pointer, if any.
int highlight_and_hover(ImDrawList* dl, const Frame& f, int highlighted, float thickness = 2) {
  if (highlighted >= 0)
    outline_cell(dl, f, highlighted, kHighlight, thickness);
  return f.hovered_cell();
}

int draw_image(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  draw_texture(dl, fw.tex.original, f);
  grid_lines(dl, f, IM_COL32(255, 255, 255, 90));
  return highlight_and_hover(dl, f, hl);
}

int draw_masking(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  const auto [lo, hi] = std::minmax_element(fw.t.scores.begin(), fw.t.scores.end());
  const float span = std::max(1e-6f, *hi - *lo);
  for (int i = 0; i < fw.t.patches; ++i) {
    const int v = static_cast<int>(40 + 200 * (fw.t.scores[static_cast<size_t>(i)] - *lo) / span);
    fill_cell(dl, f, i, IM_COL32(v, v, v, 255));
  }
  for (int i : fw.t.kept)
    outline_cell(dl, f, i, kKept, 2);
  return highlight_and_hover(dl, f, hl, 3);
}

int draw_encoder_input(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const int cols = packed_cols(fw.kept());
  const int rows = (fw.kept() + cols - 1) / cols;
  const Frame f = fit(at, side, cols, std::max(rows, 1));
  const float gw = static_cast<float>(fw.r.grid_w), gh = static_cast<float>(fw.r.grid_h);
  for (int s = 0; s < fw.kept(); ++s) {
    const int p = fw.t.kept[static_cast<size_t>(s)];
    const ImVec2 a = f.cell_min(s), c = f.cell();
    const float u = static_cast<float>(p % fw.r.grid_w) / gw,
                v = static_cast<float>(p / fw.r.grid_w) / gh;
    // A hairline gap shows the patches as separate tokens.
    dl->AddImage(texture_id(fw.tex.original), {a.x + 1, a.y + 1}, {a.x + c.x - 1, a.y + c.y - 1},
                 {u, v}, {u + 1 / gw, v + 1 / gh});
  }
  const int hl_slot = hl >= 0 ? fw.slot(hl) : -1;
  if (hl_slot >= 0)
    outline_cell(dl, f, hl_slot, kHighlight, 2);
  const int slot = f.hovered_cell();
  return slot >= 0 && slot < fw.kept() ? fw.t.kept[static_cast<size_t>(slot)] : -1;
}

int draw_encoder_output(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  for (int i = 0; i < fw.t.patches; ++i)
    fill_cell(dl, f, i, kDark);
  for (int s = 0; s < fw.kept(); ++s)
    fill_cell(dl, f, fw.t.kept[static_cast<size_t>(s)], rgb_at(fw.t.latent_rgb, s));
  return highlight_and_hover(dl, f, hl);
}

int draw_decoder_input(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  for (int i = 0; i < fw.t.patches; ++i)
    fill_cell(dl, f, i, rgb_at(fw.t.decoder_rgb, static_cast<size_t>(i)));
  // The mask-token places, marked: they all start from the same learned vector.
  const ImVec2 c = f.cell();
  for (int i = 0; i < fw.t.patches; ++i)
    if (fw.removed(i)) {
      const ImVec2 a = f.cell_min(i);
      dl->AddCircleFilled({a.x + c.x / 2, a.y + c.y / 2}, std::max(1.5f, c.x * 0.12f),
                          IM_COL32(20, 20, 20, 200));
    }
  return highlight_and_hover(dl, f, hl);
}

int draw_prediction(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  draw_texture(dl, fw.tex.reconstruction, f);
  return highlight_and_hover(dl, f, hl);
}

float max_removed_loss(const Forward& fw) {
  float hi = 1e-12f;
  for (int i = 0; i < fw.t.patches; ++i)
    if (fw.removed(i) && std::isfinite(fw.t.patch_loss[static_cast<size_t>(i)]))
      hi = std::max(hi, fw.t.patch_loss[static_cast<size_t>(i)]);
  return hi;
}

int draw_loss(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  const Image heat = colorize(fw.t.patch_loss, fw.r.grid_w, fw.r.grid_h, 0, max_removed_loss(fw),
                              Colormap::Inferno);
  for (int i = 0; i < fw.t.patches; ++i) {
    const uint8_t* px = heat.pixels.data() + static_cast<size_t>(i) * 3;
    if (fw.removed(i))
      fill_cell(dl, f, i, IM_COL32(px[0], px[1], px[2], 255));
    else
      cross_out_cell(dl, f, i);
  }
  return highlight_and_hover(dl, f, hl);
}

int draw_reconstruction(ImDrawList* dl, const Forward& fw, ImVec2 at, float side, int hl) {
  const Frame f = image_frame(fw, at, side);
  draw_texture(dl, fw.tex.reconstruction_visible, f);
  return highlight_and_hover(dl, f, hl);
}

std::vector<Line> image_caption(const Forward& fw) {
  return {{printf_string("%d x %d = %d patches", fw.r.grid_w, fw.r.grid_h, fw.t.patches),
           printf_string("%d patches", fw.t.patches)},
          {printf_string("of %d x %d px each", fw.r.patch_size, fw.r.patch_size)}};
}

std::vector<Line> masking_caption(const Forward& fw) {
  return {{fw.settings.describe(fw.r.grid_h, fw.r.grid_w),
           printf_string("ratio %.2f", fw.settings.ratio)},
          {printf_string("%d lowest scores kept (green)", fw.kept()),
           printf_string("%d kept (green)", fw.kept())}};
}

std::vector<Line> encoder_input_caption(const Forward& fw) {
  const double less = fw.t.full_encoder_flops / std::max(1.0, fw.t.encoder_flops);
  const std::string flops = flop_text(fw.t.encoder_flops);
  return {{printf_string("sees %d of %d patches", fw.kept(), fw.t.patches),
           printf_string("sees %d of %d", fw.kept(), fw.t.patches)},
          {printf_string("%s, not %s (%.1fx less)", flops.c_str(),
                         flop_text(fw.t.full_encoder_flops).c_str(), less),
           printf_string("%s (%.1fx less)", flops.c_str(), less),
           printf_string("%.1fx fewer FLOPs", less)}};
}

std::vector<Line> encoder_output_caption(const Forward& fw) {
  return {{printf_string("%d latents (+ cls)", fw.kept()), printf_string("%d latents", fw.kept())},
          {"3 principal components as RGB", "top 3 components as RGB", "PCA as RGB"}};
}

std::vector<Line> decoder_input_caption(const Forward& fw) {
  const int kept = fw.kept(), removed = fw.t.patches - fw.kept();
  return {{printf_string("%d latents, %d mask tokens (dots), + cls", kept, removed),
           printf_string("%d latents, %d mask tokens (dots)", kept, removed),
           printf_string("%d latents + %d mask tokens", kept, removed),
           printf_string("%d + %d mask tokens", kept, removed)},
          {"each + position embedding", "+ position embedding"}};
}

std::vector<Line> prediction_caption(const Forward& fw) {
  return {{"pixels for every patch"},
          fw.r.denormalised_with_true_stats
              ? Line{"de-normalised with the true patch stats", "true patch stats"}
              : Line{"visible ones: never trained", "visible: untrained"}};
}

std::vector<Line> loss_caption(const Forward& fw) {
  if (fw.kept() == fw.t.patches)
    return {{"no removed patches"}, {"no loss"}};
  const int removed = fw.t.patches - fw.kept();
  return {{printf_string("loss %.4f", fw.r.loss)},
          {printf_string("mean over %d removed (grey, crossed: not counted)", removed),
           printf_string("mean over %d removed", removed),
           printf_string("over %d removed", removed)}};
}

std::vector<Line> reconstruction_caption(const Forward& fw) {
  return {{"visible patches pasted back", "visible pasted back"},
          {printf_string("masked MSE %.4g", fw.r.masked_mse),
           printf_string("MSE %.4g", fw.r.masked_mse)}};
}

const Stage kStageList[kStages] = {
    {"how_image", "1. image -> patches", draw_image, image_caption,
     "x -> L patches of p x p x C values",
     "The picture is cut into a grid of square patches, like a ViT. Each patch becomes one "
     "token: its p x p x C pixel values, flattened."},
    {"how_masking", "2. masking", draw_masking, masking_caption,
     "keep = L x (1 - ratio) lowest scores",
     "Every patch gets a score (brightness here): random noise for random masking, a block or "
     "lattice layout for the others. The patches with the lowest scores are kept (green "
     "outline); the rest are removed. At 75 % the picture is hard to guess from what is left: "
     "that is what makes the task worth learning."},
    {"how_encoder_input", "3. encoder input", draw_encoder_input, encoder_input_caption,
     "tokens = [cls] + W . patch + pos",
     "Only the kept patches go into the encoder, packed, in the order the masking drew them. "
     "No mask tokens here: the encoder works on a quarter of the tokens, so its FLOPs drop "
     "by more than 4x (attention grows with the square of the tokens). The paper measures "
     "pre-training about 3x faster in wall-clock time: the small decoder still runs over "
     "every patch."},
    {"how_encoder_output", "4. encoder output", draw_encoder_output, encoder_output_caption,
     "z = Encoder(tokens), D values per token",
     "The encoder turns each kept patch into a latent vector of D numbers. Shown here: the "
     "first three principal components of those vectors as red, green and blue. Patches with "
     "similar colours have similar latents."},
    {"how_decoder_input", "5. decoder input", draw_decoder_input, decoder_input_caption,
     "pos(i, j) = [sin, cos](row), [sin, cos](col)",
     "The latents go back to their places; every removed place gets the same learned mask "
     "token (dots). Each token then gets the sin-cos embedding of its position, so the "
     "decoder knows where each one is: that is why the mask tokens differ in colour."},
    {"how_prediction", "6. prediction", draw_prediction, prediction_caption,
     "pred = Decoder(tokens), p x p x C per patch",
     "A small decoder predicts the pixels of every patch. Only the removed ones are trained, "
     "so its output on visible patches is never checked: with some models it is pale, blurred "
     "or speckled there; how much depends on the model."},
    {"how_loss", "7. loss (removed patches)", draw_loss, loss_caption,
     "loss = mean over removed i of |pred_i - target_i|^2",
     "The loss compares prediction and target on the removed patches only (bright: larger "
     "error); visible patches (grey, crossed out) do not count. The target is the patch's "
     "pixels, normalised with the dataset's mean and standard deviation as the encoder got "
     "them; norm-pix models, the paper's best, take each patch normalised by its own mean and "
     "standard deviation instead: (patch - mean) / std."},
    {"how_reconstruction", "8. reconstruction", draw_reconstruction, reconstruction_caption,
     "visible: input; removed: prediction",
     "The demo picture: the visible patches as they were, the removed ones from the "
     "prediction. The masked MSE is measured on the removed pixels, in [0, 1] units."},
};

// The tooltip text for a patch: where it is and what happened to it.
std::string patch_text(const Forward& fw, int patch) {
  const size_t i = static_cast<size_t>(patch);
  std::string text = patch_label(patch, fw.r.grid_w) + ": ";
  const int slot = fw.slot(patch);
  text += slot >= 0 ? printf_string("kept, encoder token %d of %d", slot + 1, fw.kept())
                    : std::string("removed, a mask token for the decoder");
  text += printf_string("\nmask score %.3f", fw.t.scores[i]);
  if (fw.removed(patch))
    text += printf_string("\nloss %.4f, pixel error %.4f", fw.t.patch_loss[i], fw.r.patch_error[i]);
  else
    text += "\nnot in the loss (visible)";
  return text;
}

// The text under a stage's picture in a column `width` wide, as drawn: each
// caption line in the form that fits, then the formula, except in a stage
// opened large, which shows the formula beside it.
std::vector<std::string> card_lines(const Forward& fw, int k, float width, bool large) {
  std::vector<std::string> lines;
  for (const Line& forms : kStageList[k].caption(fw))
    lines.push_back(shortened(fitting(forms, width), width));
  if (!large)
    lines.push_back(kStageList[k].formula);
  return lines;
}

// The lines `text` takes wrapped at `width`.
int line_count(const std::string& text, float width) {
  const std::string lines = wrap_to_width(text, width);
  return 1 + static_cast<int>(std::count(lines.begin(), lines.end(), '\n'));
}

// The rows a line under a picture may wrap to: a caption two, the formula
// (dim, the last line of a small card) four, which a narrow column needs.
int most_rows(bool formula) {
  return formula ? 4 : 2;
}

// The height of a card's text, the title included, in a column `width` wide;
// the last line is the formula unless the stage is open large.
float card_text_height(const std::vector<std::string>& lines, float width, bool large) {
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  float height = ImGui::GetTextLineHeightWithSpacing();
  for (size_t i = 0; i < lines.size(); ++i) { // as text_line draws them
    const int rows = line_count(lines[i], width);
    const bool formula = !large && i + 1 == lines.size();
    height += (rows <= most_rows(formula) ? rows : 1) * ImGui::GetTextLineHeight() + spacing;
  }
  return height;
}

// A line of text under a picture: wrapped at `width` when most_rows hold it;
// more (a very narrow window) would squeeze the pictures, so it is shortened
// to one instead, whole in the tooltip. Returns what was shown.
std::string text_line(const std::string& text, float width, bool dim) {
  if (line_count(text, width) > most_rows(dim))
    return caption_line(text, width, dim);
  if (dim)
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  wrapped_text(text, width);
  if (dim)
    ImGui::PopStyleColor();
  return text;
}

// One stage in a column `width` wide: title, picture (`side` square), caption
// lines and the formula. Returns the patch under the pointer; a click opens
// the stage large.
int stage_card(UiState& st, const Forward& fw, int k, float side, float width, bool large) {
  const Stage& s = kStageList[k];
  ImGui::PushID(k);
  ImGui::BeginGroup();
  caption_line(s.title, width, false);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("picture", {side, side});
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(at, {at.x + side, at.y + side}, IM_COL32(24, 24, 28, 255));
  const int hovered = s.draw(dl, fw, at, side, st.how.highlighted());
  std::vector<std::string> lines = card_lines(fw, k, width, large);
  for (size_t i = 0; i < lines.size(); ++i)
    lines[i] = text_line(lines[i], width, !large && i + 1 == lines.size());
  ImGui::EndGroup();
  st.panel_rects.push_back({s.name, framebuffer_rect(at, {at.x + side, at.y + side}), lines});
  // The whole card, text included, for the tests that check it fits.
  st.panel_rects.push_back({std::string(s.name) + "_card",
                            framebuffer_rect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax())});
  if (clicked) {
    if (hovered >= 0)
      st.how.pinned_patch = hovered;
    if (!large)
      st.how.detail_stage = k;
  }
  if (ImGui::IsItemHovered() && hovered < 0 && !large)
    wrapped_tooltip("%s\n\n%s\n\nClick to open this stage large.", s.explanation, s.formula);
  ImGui::PopID();
  return hovered;
}

void draw_overview(UiState& st, const Forward& fw) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = style.ItemSpacing.x * 2;
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float width = std::floor((avail.x - 3 * gap) / 4);
  // Each row of four as tall as its tallest card's text: the pictures take
  // what is left, so no caption or formula is cut on a small screen.
  float text_height[2] = {0, 0};
  for (int k = 0; k < kStages; ++k)
    text_height[k / 4] = std::max(text_height[k / 4],
                                  card_text_height(card_lines(fw, k, width, false), width, false));
  const float pictures =
      avail.y - text_height[0] - text_height[1] - gap - line - 4 * style.ItemSpacing.y;
  const float side = std::floor(std::max(32.0f, std::min(width, pictures / 2)));
  caption_line(
      fitting({printf_string("One forward pass, stage by stage (%.0f ms, of which %.1f ms to "
                             "record the stages). Point at a patch to follow it; click a stage "
                             "to open it large.",
                             fw.r.inference_ms, fw.r.trace_ms),
               printf_string("One forward pass, stage by stage (%.0f ms). Point at a patch to "
                             "follow it; click a stage to open it large.",
                             fw.r.inference_ms),
               "Point at a patch to follow it; click a stage to open it large."},
              avail.x),
      avail.x, true);
  int hovered = -1;
  for (int k = 0; k < kStages; ++k) {
    if (k % 4)
      ImGui::SameLine(0, gap);
    else if (k)
      ImGui::Dummy({0, gap / 4});
    const int h = stage_card(st, fw, k, side, std::max(side, width), false);
    if (h >= 0)
      hovered = h;
  }
  st.how.hover_patch = hovered;
}

void draw_detail(UiState& st, const Forward& fw) {
  const int k = st.how.detail_stage;
  const Stage& s = kStageList[k];
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  // The picture as large as its title and caption lines allow.
  float side = std::floor(std::max(64.0f, std::min(avail.y - 4 * line, avail.x * 0.55f)));
  side = std::floor(std::max(
      64.0f, std::min(side, avail.y - card_text_height(card_lines(fw, k, side, true), side, true) -
                                ImGui::GetStyle().ItemSpacing.y)));
  st.how.hover_patch = stage_card(st, fw, k, side, side, true);
  ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 3);
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(0.0f);
  if (ImGui::Button("< All stages"))
    st.how.detail_stage = -1;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("Back to the overview of every stage (Esc)");
  ImGui::SameLine();
  if (ImGui::ArrowButton("previous", ImGuiDir_Left))
    st.how.detail_stage = (k + kStages - 1) % kStages;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("The stage before this one");
  ImGui::SameLine();
  if (ImGui::ArrowButton("next", ImGuiDir_Right))
    st.how.detail_stage = (k + 1) % kStages;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("The stage after this one");
  ImGui::Spacing();
  ImGui::TextUnformatted(s.title);
  ImGui::Separator();
  const float width = ImGui::GetContentRegionAvail().x;
  wrapped_text(s.explanation, width);
  ImGui::Spacing();
  ImGui::TextDisabled("%s", s.formula);
  ImGui::Spacing();
  const int hl = st.how.highlighted();
  if (hl >= 0 && hl < fw.t.patches)
    wrapped_text(patch_text(fw, hl), width);
  else
    ImGui::TextDisabled("Point at a patch (click to keep it highlighted).");
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
}

} // namespace

void draw_how_it_works_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  if (!explorer_ready(ctx))
    return;
  const Reconstruction& rec = st.explorer.shown->items.front();
  const Forward fw{rec.result, rec.result.trace, ctx.explorer.items().front(), rec.settings};
  if (fw.t.patches != static_cast<int>(fw.r.mask.size()) || fw.t.patches == 0) {
    centred_message("Tracing the stages ...");
    return;
  }
  if (st.how.pinned_patch >= fw.t.patches)
    st.how.pinned_patch = -1;
  if (st.how.detail_stage >= kStages)
    st.how.detail_stage = -1;
  if (st.how.detail_stage >= 0)
    draw_detail(st, fw);
  else
    draw_overview(st, fw);
  const int hl = st.how.highlighted();
  st.how.hover_text = hl >= 0 ? patch_text(fw, hl) : "";
  if (st.how.hover_patch >= 0)
    wrapped_tooltip("%s", st.how.hover_text.c_str());
}

} // namespace mae::studio
