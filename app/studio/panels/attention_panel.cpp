// The Attention tab: where the selected patch (or cls) attends, for any layer
// and head of the encoder (over the visible tokens) or the decoder (over every
// token), or the attention rollout; beside it, how the selected patch's
// position embedding resembles every other patch's, for both stacks.
#include "panels/panels.h"
#include "panels/patch_grid.h"

#include "eval/attention_figure.h"
#include "eval/colormap.h"

#include <algorithm>
#include <cmath>

namespace mae::studio {
namespace {

// Stack, layer, head and rollout, each with what it means; the ranges follow
// the model and the chosen stack.
void query_controls(UiState& st, const ModelConfig& c) {
  AttentionQuery& q = st.attention.query;
  int stack = q.stack == AttentionStack::Decoder ? 1 : 0;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("stack");
  ImGui::SameLine();
  if (ImGui::RadioButton("encoder", &stack, 0))
    q.stack = AttentionStack::Encoder;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("The encoder's attention: over the cls token and the visible patches only "
                    "(removed patches are not tokens there)");
  same_line_if_fits("decoder");
  if (ImGui::RadioButton("decoder", &stack, 1))
    q.stack = AttentionStack::Decoder;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("The decoder's attention: over every patch, removed ones as mask tokens");
  // Another stack may have fewer layers and heads.
  const int depth = static_cast<int>(q.stack_depth(c));
  const int heads = static_cast<int>(q.stack_heads(c));
  q.layer = std::clamp<int64_t>(q.resolved_layer(c), 0, depth - 1);
  q.head = std::clamp<int64_t>(q.head, AttentionQuery::kMeanOfHeads, heads - 1);

  // A narrow window (Present mode's large text) narrows the sliders first,
  // then puts what still does not fit on a second row instead of cutting it.
  const float font = ImGui::GetFontSize(), spacing = ImGui::GetStyle().ItemSpacing.x;
  const float others =
      labelled_width("rollout") + labelled_width("cls token") + 1.5f * font + 3 * spacing;
  // The room right of the stack buttons drawn last.
  const float room =
      ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x - ImGui::GetItemRectMax().x;
  const float slider = std::clamp((room - others) / 2 - spacing, 7 * font, 9 * font);
  same_line_if_fits(slider, 1.5f * font);
  // Layers and heads count from 0, as `mae attention` and its figures do.
  int layer = static_cast<int>(q.layer);
  ImGui::SetNextItemWidth(slider);
  if (ImGui::SliderInt("##layer", &layer, 0, depth - 1, q.rollout ? "rollout 0-%d" : "layer %d"))
    q.layer = layer;
  if (ImGui::IsItemHovered())
    wrapped_tooltip("Which transformer block's attention (0 = the first). With rollout: the "
                    "last block the rollout runs through.");
  same_line_if_fits(slider);
  int head = static_cast<int>(q.head); // -1: the mean
  ImGui::SetNextItemWidth(slider);
  ImGui::BeginDisabled(q.rollout);
  if (ImGui::SliderInt("##head", &head, -1, heads - 1, head < 0 ? "mean of heads" : "head %d"))
    q.head = head;
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    wrapped_tooltip("One attention head (from 0), or far left for the mean over the block's %d "
                    "heads (the rollout always averages them)",
                    heads);
  same_line_if_fits("rollout");
  ImGui::Checkbox("rollout", &q.rollout);
  if (ImGui::IsItemHovered())
    wrapped_tooltip("Attention rollout (Abnar & Zuidema 2020): each block's heads averaged, "
                    "the identity added for the residual, rows renormalised, multiplied from "
                    "the first block through the chosen one");
  same_line_if_fits("cls token");
  ImGui::BeginDisabled(st.how.pinned_patch < 0);
  if (ImGui::Button("cls token"))
    st.how.pinned_patch = -1;
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    wrapped_tooltip("Ask for the cls token's attention instead of a patch's (click a patch on "
                    "the map to ask for that patch's)");
}

// The map over the picture: heat on the stack's tokens, patches that are not
// tokens darkened, the query outlined; `about` under it. Returns the patch
// under the pointer.
int attention_map_view(UiState& st, const AttentionMap& m, const Texture& picture, ImVec2 at,
                       float side, const std::vector<std::string>& about) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const Frame f = fit(at, side, m.grid_w, m.grid_h);
  draw_texture(dl, picture, f);
  const float peak = std::max(1e-12f, *std::max_element(m.weights.begin(), m.weights.end()));
  const Image heat = colorize(m.weights, m.grid_w, m.grid_h, 0, peak, Colormap::Inferno);
  // Not tokens: crossed out, as no shade of the scale (black: no attention) could say.
  for (int i = 0; i < m.grid_w * m.grid_h; ++i)
    if (m.visible[static_cast<size_t>(i)])
      fill_cell(dl, f, i, rgb_at(heat.pixels, static_cast<size_t>(i), 170));
    else
      cross_out_cell(dl, f, i);
  if (m.query.patch >= 0)
    outline_cell(dl, f, static_cast<int>(m.query.patch), kHighlight, 3);
  const std::string top = printf_string("%.4f", peak);
  const DrawnRect scale = colour_scale_line(
      Colormap::Inferno, "0", top, side,
      "The map's colours: from no attention (black) to the brightest patch's weight (" + top +
          ", pale yellow). The weights of one query sum to 1 over its tokens, the cls token's "
          "included.");
  st.panel_rects.push_back({"attention_scale", scale, {"0", top}});
  std::vector<std::string> shown;
  for (size_t i = 0; i < about.size(); ++i)
    shown.push_back(caption_line(about[i], side, i + 1 == about.size()));
  st.panel_rects.push_back({"attention_map", framebuffer_rect(f.min, f.max), shown});
  return f.hovered_cell();
}

// A refused query (a removed patch asked of the encoder) leaves no map: the
// picture with its removed patches crossed out, to click a visible one on.
// Returns the patch under the pointer.
int patch_chooser_view(UiState& st, const ReconstructionResult& r, const Texture& picture,
                       ImVec2 at, float side) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const Frame f = fit(at, side, r.grid_w, r.grid_h);
  draw_texture(dl, picture, f);
  for (int i = 0; i < r.grid_w * r.grid_h && i < static_cast<int>(r.mask.size()); ++i)
    if (r.mask[static_cast<size_t>(i)])
      cross_out_cell(dl, f, i);
  if (st.how.pinned_patch >= 0 && st.how.pinned_patch < r.grid_w * r.grid_h)
    outline_cell(dl, f, st.how.pinned_patch, kHighlight, 3);
  st.panel_rects.push_back({"attention_map", framebuffer_rect(f.min, f.max), {}});
  return f.hovered_cell();
}

// Cosine similarity of the selected patch's position embedding with every
// patch's, in one stack: a `side` square, captions in `width`.
void pos_embed_view(UiState& st, const PosEmbedGrid& g, int selected, const char* name,
                    const char* stack, float side, float width) {
  ImGui::BeginGroup();
  std::vector<std::string> shown;
  shown.push_back(caption_line(fitting({printf_string("%s position embeddings", stack),
                                        printf_string("%s positions", stack), stack},
                                       width),
                               width, false));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::Dummy({side, side});
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const int L = g.grid_h * g.grid_w;
  const Frame f = fit(at, side, g.grid_w, g.grid_h);
  if (L > 0 && static_cast<int>(g.similarity.size()) == L * L) {
    const int row = selected >= 0 && selected < L ? selected : 0;
    const std::vector<float> sim(g.similarity.begin() + static_cast<ptrdiff_t>(row) * L,
                                 g.similarity.begin() + static_cast<ptrdiff_t>(row + 1) * L);
    // Scaled to the row's own range, as in the ViT paper's figure: sin-cos
    // embeddings are all fairly similar, so [-1, 1] would wash them out.
    const auto [lo, hi] = std::minmax_element(sim.begin(), sim.end());
    const Image heat =
        colorize(sim, g.grid_w, g.grid_h, *lo, std::max(*hi, *lo + 1e-6f), Colormap::Viridis);
    for (int i = 0; i < L; ++i)
      fill_cell(dl, f, i, rgb_at(heat.pixels, static_cast<size_t>(i)));
    outline_cell(dl, f, row, kHighlight, 2);
    const int hovered = f.hovered_cell();
    if (hovered >= 0)
      wrapped_tooltip("patch %d: cosine similarity %.3f with patch %d's position embedding\n\n"
                      "MAE fixes its position embeddings to 2-D sine-cosine tables, not learned: "
                      "a patch's is most like those of its own row and column. The encoder's "
                      "and the decoder's follow one formula at their two widths, so their maps "
                      "look alike.",
                      hovered, sim[static_cast<size_t>(hovered)], row);
    shown.push_back(caption_line(
        selected == row ? fitting({printf_string("similarity to patch %d", row),
                                   printf_string("to patch %d", row)},
                                  width)
                        : fitting({"similarity to patch 0 (select one)", "to patch 0"}, width),
        width, false));
    shown.push_back(
        caption_line(fitting({printf_string("cosine %.2f (purple) .. %.2f (yellow)", *lo, *hi),
                              printf_string("cosine %.2f .. %.2f", *lo, *hi),
                              printf_string("%.2f .. %.2f", *lo, *hi)},
                             width),
                     width, true));
  }
  st.panel_rects.push_back({name, framebuffer_rect(f.min, f.max), shown});
  ImGui::EndGroup();
}

// describe_source without the number of heads: "decoder layer 2, mean".
std::string brief_source(const AttentionQuery& q) {
  const long long layer = q.layer;
  if (q.rollout)
    return printf_string("%s rollout 0-%lld", to_string(q.stack), layer);
  if (q.head == AttentionQuery::kMeanOfHeads)
    return printf_string("%s layer %lld, mean", to_string(q.stack), layer);
  return printf_string("%s layer %lld, head %lld", to_string(q.stack), layer,
                       static_cast<long long>(q.head));
}

// What the map shows, under it: the query and its source on one line when it
// fits `width`, else two, then the numbers (dim).
std::vector<std::string> map_caption(const AttentionMap& m, float width) {
  const std::string query = describe_query(m);
  const std::string source = fitting({describe_source(m), brief_source(m.query)}, width);
  const float peak =
      m.weights.empty() ? 0.0f : *std::max_element(m.weights.begin(), m.weights.end());
  const std::string numbers = fitting(
      {printf_string("cls token %.3f, brightest patch %.4f; %lld tokens, %.0f ms", m.cls_weight,
                     peak, static_cast<long long>(m.num_tokens), m.inference_ms),
       printf_string("cls token %.3f, brightest patch %.4f", m.cls_weight, peak),
       printf_string("cls %.3f, brightest %.4f", m.cls_weight, peak)},
      width);
  const std::string both = query + ", " + source;
  if (ImGui::CalcTextSize(both.c_str()).x <= width)
    return {both, numbers};
  return {query, source, numbers};
}

// Both stacks' position-embedding similarity in a column `width` x `height`:
// side by side when that makes them larger (a wide, short window), else one
// above the other.
void pos_embed_views(UiState& st, const PosEmbedGrids& pe, float width, float height) {
  const bool two = !pe.decoder.similarity.empty();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float gap = ImGui::GetStyle().ItemSpacing.x * 3;
  const float stacked = std::min(width, (height - 7 * line) / (two ? 2 : 1));
  const float beside = two ? std::min((width - gap) / 2, height - 4 * line) : 0.0f;
  const bool side_by_side = beside > stacked;
  const float side = std::floor(std::max(48.0f, side_by_side ? beside : stacked));
  const float caption_width = side_by_side ? std::floor((width - gap) / 2) : width;
  ImGui::BeginGroup();
  pos_embed_view(st, pe.encoder, st.how.pinned_patch, "pos_embed_encoder", "encoder", side,
                 caption_width);
  if (two) {
    if (side_by_side)
      ImGui::SameLine(0, gap);
    pos_embed_view(st, pe.decoder, st.how.pinned_patch, "pos_embed_decoder", "decoder", side,
                   caption_width);
  }
  ImGui::EndGroup();
}

} // namespace

void draw_attention_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  if (!explorer_ready(ctx))
    return;
  query_controls(st, st.model->config);
  const AttentionUi& at = st.attention;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const float gap = ImGui::GetStyle().ItemSpacing.x * 3;
  // Under the map: its colour scale, then two or three caption lines.
  float side = std::floor(std::max(64.0f, std::min(avail.y - 5 * line, avail.x * 0.58f)));
  std::vector<std::string> about =
      at.shown ? map_caption(*at.shown, side) : std::vector<std::string>{};
  if (about.size() > 2) { // the query and its source on two lines, under a smaller map
    side = std::floor(std::max(64.0f, std::min(side, avail.y - 6 * line)));
    about = map_caption(*at.shown, side);
  }

  ImGui::BeginGroup();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("map", {side, side});
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  const Texture& picture = ctx.explorer.items().front().original;
  const bool has_map =
      at.shown &&
      static_cast<int>(at.shown->weights.size()) == at.shown->grid_w * at.shown->grid_h &&
      !at.shown->weights.empty();
  const ReconstructionResult* result = st.explorer.shown && !st.explorer.shown->items.empty()
                                           ? &st.explorer.shown->items.front().result
                                           : nullptr;
  const int patch = st.how.pinned_patch;
  const bool removed_asked = !at.error.empty() && result &&
                             at.query.stack == AttentionStack::Encoder && patch >= 0 &&
                             static_cast<size_t>(patch) < result->mask.size() &&
                             result->mask[static_cast<size_t>(patch)] != 0;
  int hovered = -1;
  if (has_map) {
    hovered = attention_map_view(st, *at.shown, picture, origin, side, about);
  } else if (removed_asked) {
    hovered = patch_chooser_view(st, *result, picture, origin, side);
  } else {
    ImGui::GetWindowDrawList()->AddRectFilled(origin, {origin.x + side, origin.y + side}, kDark);
    caption_line(at.error.empty() ? "Computing the attention ..." : "", side, false);
  }
  if (hovered >= 0) {
    const size_t i = static_cast<size_t>(hovered);
    const bool removed =
        has_map ? !at.shown->visible[i] : i < result->mask.size() && result->mask[i] != 0;
    if (removed)
      wrapped_tooltip("patch %d: removed, not a token of the encoder\nclick to select it "
                      "(the decoder sees it)",
                      hovered);
    else if (has_map)
      wrapped_tooltip("patch %d: attention %.4f\nclick to ask where it attends", hovered,
                      at.shown->weights[i]);
    else
      wrapped_tooltip("patch %d: visible\nclick to ask where it attends", hovered);
    if (clicked)
      st.how.pinned_patch = hovered;
  }
  if (!at.error.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPos().x + side);
    ImGui::TextColored({1.0f, 0.6f, 0.35f, 1.0f}, "%s", at.error.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::EndGroup();

  ImGui::SameLine(0, gap);
  if (st.pos_embed)
    pos_embed_views(st, *st.pos_embed, avail.x - side - gap, avail.y);
}

} // namespace mae::studio
