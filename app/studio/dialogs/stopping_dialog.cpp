#include "dialogs/dialogs.h"
#include "panels/panels.h"

#include <imgui.h>

namespace mae::studio {

// Closing the window mid-run stops the run first; this says why the window
// is still there, and that closing again does not wait for the checkpoint.
void draw_stopping_dialog(UiState& st) {
  if (!st.training.quitting)
    return;
  constexpr const char* kId = "Stopping training###stopping";
  if (!ImGui::IsPopupOpen(kId))
    ImGui::OpenPopup(kId);
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  if (!ImGui::BeginPopupModal(kId, nullptr, ImGuiWindowFlags_AlwaysAutoResize))
    return;
  const std::string text = "Stopping the run after its current step and saving a checkpoint to\n" +
                           st.training.run_dir +
                           "\n\nThe window closes when it is written. Closing it again closes it "
                           "now; the checkpoint is still written before the app exits.";
  ImGui::TextUnformatted(text.c_str());
  st.popups.push_back({"stopping", "Stopping training", text, current_window_rect()});
  ImGui::EndPopup();
}

} // namespace mae::studio
