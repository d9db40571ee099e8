#include "dialogs/dialogs.h"
#include "panels/panels.h"

#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace mae::studio {

void draw_arch_dialog(UiState& st) {
  ArchDialog& d = st.arch;
  if (!d.open)
    return;
  constexpr const char* kTitle = "Which architecture is this checkpoint?###arch_dialog";
  if (!ImGui::IsPopupOpen(kTitle))
    ImGui::OpenPopup(kTitle);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  if (!ImGui::BeginPopupModal(kTitle, nullptr, ImGuiWindowFlags_AlwaysAutoResize))
    return;
  const std::string file = std::filesystem::path(d.path).filename().string();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 34);
  ImGui::Text("%s has no config, and the number of attention heads is not stored in the weights.",
              file.c_str());
  ImGui::TextDisabled(
      "Choose the architecture it was trained with (official checkpoints: base, large, huge):");
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  for (int i = 0; i < static_cast<int>(d.names.size()); ++i) {
    if (ImGui::RadioButton(d.names[i].c_str(), d.choice == i))
      d.choice = i;
    tooltip(("Its sizes are in configs/models/" + d.names[i] +
             ".json; a wrong choice fails to load and keeps the previous model")
                .c_str());
  }
  ImGui::Spacing();
  st.popups.push_back(
      {"architecture", "Which architecture is this checkpoint?", file, current_window_rect()});
  const float w = ImGui::GetFontSize() * 6;
  const bool load = ImGui::Button("Load", {w, 0});
  tooltip("Load the checkpoint with the architecture chosen above");
  if (load && d.choice >= 0 && d.choice < static_cast<int>(d.names.size())) {
    st.commands.push_back({Command::Kind::LoadModelWithArch, d.path, d.names[d.choice], d.slot});
    d.open = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  const bool cancel = ImGui::Button("Cancel", {w, 0});
  tooltip("Keep the model loaded now (Esc)");
  if (cancel || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    st.status = "kept the previous model";
    d.open = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

} // namespace mae::studio
