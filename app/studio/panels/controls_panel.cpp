#include "panels/panels.h"

#include "dialogs/dialogs.h"
#include "mask_controls.h"

#include "base/image_signature.h"
#include "checkpoint/model_label.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace mae::studio {
namespace {

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

void model_section(PanelContext& ctx) {
  UiState& st = ctx.state;
  section("Model");
  if (st.model) {
    ImGui::TextWrapped("%s", model_label(st.model_path).c_str());
    // Present mode's large text on a projector: the architecture in the
    // name's tooltip (and Details), the masking controls in view.
    if (st.present.on && short_screen()) {
      tooltip((st.model->config.summary(st.model->has_decoder) + "\n" + st.model->device).c_str());
    } else {
      dim_wrapped(st.model->config.summary(st.model->has_decoder));
      dim_wrapped(st.model->device);
    }
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.75f, 0.3f, 1.0f));
    ImGui::TextWrapped("No model loaded - drop a model file (.safetensors, HuggingFace folder, "
                       "official .pth) on the window.");
    ImGui::PopStyleColor();
  }
  if (!st.loading_model.empty())
    dim_wrapped("loading " + model_label(st.loading_model) + " ...");
  if (ImGui::Button("Open..."))
    open_file_browser(st, FileBrowserState::Mode::Open);
  tooltip("Open an image or a model, or a lesson, view, training config or sweep (.json) "
          "(Ctrl+O); dropping the file on the window works too");
  if (st.model) {
    ImGui::SameLine();
    if (ImGui::Button("Details"))
      st.show_model_details = true;
    tooltip("The model's architecture, parameter counts, format and metadata");
  }
}

// The whole picture with the square the model sees outlined.
void image_section(PanelContext& ctx) {
  UiState& st = ctx.state;
  section("Image");
  if (!st.image || ctx.preview.empty()) {
    dim_wrapped(st.loading_image.empty()
                    ? std::string("No image - drop one on the window (") + kImageFormatList + ")."
                    : "loading " + file_name(st.loading_image) + " ...");
    return;
  }
  const float width = ImGui::GetContentRegionAvail().x;
  const float aspect = static_cast<float>(st.image->height) / static_cast<float>(st.image->width);
  // On short screens (1280 x 720) the preview gives way to the controls below it.
  const float height =
      std::min({width * aspect, width * 0.9f,
                ImGui::GetMainViewport()->WorkSize.y * (short_screen() ? 0.16f : 0.24f)});
  // The picture's own width at that height (no letterbox), centred.
  const float shown = std::min(width, height / aspect);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const ImVec2 min = {at.x + (width - shown) / 2, at.y};
  const ImVec2 max = {min.x + shown, min.y + height};
  ImGui::Dummy({width, height});
  if (ctx.renderer) {
    PanelImage img;
    img.image = &ctx.preview;
    const DrawnRect r = ctx.renderer->draw(ImGui::GetWindowDrawList(), min, max, img, ImageView{});
    st.panel_rects.push_back({"source", r});
    // resize_center_crop keeps the centred square of the short side.
    const float fb = ImGui::GetIO().DisplayFramebufferScale.x;
    const float side = std::min(r.w, r.h) / fb;
    const ImVec2 c = {(r.x + r.w / 2.0f) / fb, (r.y + r.h / 2.0f) / fb};
    ImGui::GetWindowDrawList()->AddRect({c.x - side / 2, c.y - side / 2},
                                        {c.x + side / 2, c.y + side / 2},
                                        IM_COL32(255, 210, 60, 230), 0.0f, 0, 2.0f);
  }
  ImGui::TextWrapped("%s", file_name(st.image_path).c_str());
  char line[128];
  std::snprintf(
      line, sizeof line, "%d x %d, %s%s", st.image->width, st.image->height,
      st.image->channels == 1 ? "grey" : "RGB",
      st.model
          ? (", shown to the model at " + std::to_string(st.model->config.img_size) + " px").c_str()
          : "");
  dim_wrapped(line);
  if (!st.loading_image.empty())
    dim_wrapped("loading " + file_name(st.loading_image) + " ...");
}

void masking_section(PanelContext& ctx) {
  UiState& st = ctx.state;
  section("Masking");
  // A painted mask decides which patches go: the ratio, seed and sweep do
  // not apply to it, and say so instead of moving without effect.
  const bool painted = st.mask.strategy == MaskStrategy::Custom;
  const char* const painted_tip =
      "Your painted mask decides which patches are removed: the slider shows the share it "
      "removes. Choose random, block or grid (keys 1 / 2 / 3) to set a ratio and a seed again";
  ImGui::BeginDisabled(painted);
  ImGui::PushItemWidth(-1);
  float ratio = static_cast<float>(painted ? painted_ratio(st) : st.mask.ratio);
  if (ImGui::SliderFloat("##ratio", &ratio, kMinRatio, kMaxRatio,
                         painted ? "painted: %.2f removed" : "ratio %.2f"))
    set_ratio(st, ratio);
  tooltip(painted ? painted_tip
                  : "The share of patches removed (the paper trains at 0.75). Left / Right: -/+ "
                    "0.05, with Shift 0.01; Ctrl+click to type a value");
  ImGui::PopItemWidth();
  ImGui::EndDisabled();
  const MaskStrategy strategies[] = {MaskStrategy::Random, MaskStrategy::Block, MaskStrategy::Grid,
                                     MaskStrategy::Custom};
  const char* const explain[] = {
      "Random masking (the paper's default): every patch equally likely to be removed (key 1)",
      "Block-wise masking (BEiT): large square-ish blocks removed together (key 2)",
      "Grid masking: a regular lattice of kept patches (key 3)",
      "Your own mask: starts from the one on screen; click or drag on the masked panel to "
      "remove patches or restore them (key 4)"};
  for (int i = 0; i < 4; ++i) {
    if (i)
      same_line_if_fits(to_string(strategies[i]));
    if (ImGui::RadioButton(to_string(strategies[i]), st.mask.strategy == strategies[i])) {
      if (strategies[i] == MaskStrategy::Custom)
        start_custom_mask(st, shown_mask(st));
      else
        st.mask.strategy = strategies[i];
    }
    if (ImGui::IsItemHovered())
      wrapped_tooltip("%s", explain[i]);
  }
  ImGui::BeginDisabled(painted);
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.55f);
  uint64_t seed = st.mask.seed;
  if (ImGui::InputScalar("##seed", ImGuiDataType_U64, &seed, nullptr, nullptr, "seed %llu"))
    st.mask.seed = std::min(seed, kMaxMaskSeed); // a random mask's seed has 32 bits
  tooltip(painted ? painted_tip
                  : "The random seed of the mask: the same seed, ratio and strategy always "
                    "remove the same patches (Up / Down: +/- 1)");
  ImGui::SameLine();
  if (ImGui::Button("Re-roll"))
    reroll_seed(st);
  tooltip(painted ? painted_tip : "A new seed, hence a new mask at the same ratio (R)");
  if (ImGui::Button(st.play.playing ? "Pause" : "Play", {ImGui::GetFontSize() * 4.5f, 0}))
    st.play.playing = !st.play.playing;
  tooltip(painted ? painted_tip
                  : "Sweep the ratio back and forth, to watch the reconstruction degrade (Space)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::SliderFloat("##speed", &st.play.speed, 0.02f, 1.0f, "sweep %.2f/s",
                     ImGuiSliderFlags_Logarithmic);
  tooltip(painted ? painted_tip : "How fast Play sweeps the ratio, in ratio units per second");
  ImGui::EndDisabled();
}

void display_section(PanelContext& ctx) {
  UiState& st = ctx.state;
  section("Display");
  for (const DisplayToggle& t : kDisplayToggles) {
    if (&t != kDisplayToggles)
      same_line_if_fits(t.short_label);
    ImGui::Checkbox(t.short_label, &(st.display.*t.flag));
    tooltip((std::string(t.tip) + " (" + t.key + ")").c_str());
  }
  char zoom[32];
  std::snprintf(zoom, sizeof zoom, "Reset %.1fx", st.zoomed_view().zoom);
  same_line_if_fits(zoom);
  if (ImGui::Button(zoom))
    st.reset_zoom();
  tooltip("Back to the whole picture (0); the wheel zooms, dragging pans");
  if (!short_screen())
    dim_wrapped("Wheel zooms, drag pans, double-click resets.");
}

} // namespace

void draw_controls_panel(PanelContext& ctx) {
  // The sidebar holds the current tab's controls.
  if (ctx.state.tab == Tab::Training) {
    draw_training_sidebar(ctx);
    return;
  }
  model_section(ctx);
  image_section(ctx);
  masking_section(ctx);
  display_section(ctx);
  // Short screens: the button joins the zoom row instead of a section of its own.
  if (short_screen())
    same_line_if_fits("Export...");
  else
    section("Export");
  ImGui::BeginDisabled(!ctx.state.has_figure());
  if (ImGui::Button(short_screen() ? "Export..." : "Export figure..."))
    open_file_browser(ctx.state, FileBrowserState::Mode::ExportFigure);
  ImGui::EndDisabled();
  tooltip("Save the current tab's figure as PNG (Ctrl+E); for the Explorer the same figure as "
          "mae reconstruct writes");
  if (!short_screen())
    dim_wrapped("Press F1 for keyboard shortcuts.");
}

} // namespace mae::studio
