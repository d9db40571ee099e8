#include "base/image_signature.h"
#include "dialogs/dialogs.h"
#include "panels/panels.h"

#include <imgui.h>

namespace mae::studio {

void draw_help_window(UiState& st) {
  if (!st.show_help)
    return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  if (!ImGui::Begin("Help - MAE Studio", &st.show_help, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::End();
    return;
  }
  st.popups.push_back({"help", "Help", "", current_window_rect()});
  ImGui::TextUnformatted(st.present.on ? "Keyboard shortcuts while presenting"
                                       : "Keyboard shortcuts");
  ImGui::Separator();
  if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
    for (const Shortcut& s : st.present.on ? present_shortcuts_table() : shortcuts()) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.keys);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.action);
    }
    ImGui::EndTable();
  }
  ImGui::Spacing();
  ImGui::TextUnformatted("Files");
  ImGui::Separator();
  ImGui::BulletText("Drop an image (%s) on the window to reconstruct it.", kImageFormatList);
  ImGui::BulletText(
      "Drop a model: our .safetensors, a HuggingFace folder or its model.safetensors,\n"
      "or an official facebookresearch/mae .pth (e.g. mae_visualize_vit_large.pth).");
  ImGui::BulletText(
      "A .pth whose architecture cannot be inferred asks for it (base / large / huge).");
  ImGui::Spacing();
  ImGui::TextUnformatted("Panels");
  ImGui::Separator();
  ImGui::BulletText(
      "masked | reconstruction | reconstruction + visible | original: the paper's figure.");
  ImGui::BulletText(
      "per-patch error: MSE of each removed patch's reconstruction (scale below it);\n"
      "visible patches are grey, as they are in no loss.");
  ImGui::BulletText(
      "How it works: the same forward as eight stages; point at a patch to follow it,\n"
      "click a stage to open it large with its explanation (Esc: back).");
  ImGui::BulletText(
      "Attention: click a patch to see where it attends (any layer and head, encoder or\n"
      "decoder, or the rollout; the last layer first, colour scale below the map), and how\n"
      "its position embedding resembles the others'.");
  ImGui::BulletText(
      "Telea inpainting and mean-colour fill: baselines on the same mask;\n"
      "masked-region MSE is measured on the removed pixels only, in [0,1] pixel units.");
  ImGui::BulletText(
      "Compare (C, again for the next): the same picture at masking ratios 50 / 75 / 90 %%,\n"
      "with random, block and grid masks (the paper's Fig. 6 shows them, block at 50 %%),\n"
      "or two models side by side.");
  ImGui::BulletText(
      "Training: pick a config in the sidebar and Start; the curves and reconstructions of\n"
      "held-out images follow the run. Open in explorer loads its current weights here.");
  ImGui::BulletText(
      "Experiments: the paper's ablations (mask ratio, decoder depth, ...) as sweeps of small\n"
      "runs: the shipped results, the paper's numbers beside them, Start to run them here.");
  ImGui::Spacing();
  ImGui::TextUnformatted("Lessons");
  ImGui::Separator();
  ImGui::BulletText(
      "File > Lessons opens one: each slide sets the view (picture, mask, tab) and says why.\n"
      "F5 presents it full screen with large text; Left / Right step through the slides.");
  ImGui::End();
}

void draw_model_details(UiState& st) {
  if (!st.show_model_details || !st.model)
    return;
  next_window_centred({ImGui::GetFontSize() * 36, ImGui::GetFontSize() * 22});
  if (ImGui::Begin("Model details", &st.show_model_details)) {
    st.popups.push_back({"details", "Model details", "", current_window_rect()});
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(st.model->describe().c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::End();
}

} // namespace mae::studio
