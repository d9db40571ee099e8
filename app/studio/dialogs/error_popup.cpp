#include "dialogs/dialogs.h"
#include "panels/panels.h"

#include <imgui.h>

namespace mae::studio {

void draw_error_popup(UiState& st) {
  if (st.errors.empty())
    return;
  constexpr const char* kId = "###error_popup";
  // One modal at a time: an error waits until the open dialog is closed.
  if (!ImGui::IsPopupOpen(kId) && !ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId))
    ImGui::OpenPopup(kId);
  const ErrorMessage& e = st.errors.front();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  ImGui::SetNextWindowSizeConstraints({ImGui::GetFontSize() * 24, 0},
                                      {vp->Size.x * 0.7f, vp->Size.y * 0.8f});
  const std::string title = e.title + kId;
  if (!ImGui::BeginPopupModal(title.c_str(), nullptr, ImGuiWindowFlags_AlwaysAutoResize))
    return;
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
  ImGui::TextUnformatted(e.message.c_str());
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  if (st.errors.size() > 1)
    ImGui::TextDisabled("%zu more message(s) after this one", st.errors.size() - 1);
  st.popups.push_back({"error", e.title, e.message, current_window_rect()});
  const bool ok = ImGui::Button("OK", {ImGui::GetFontSize() * 6, 0});
  tooltip(st.errors.size() > 1 ? "Close this message and show the next (Enter)"
                               : "Close this message (Enter)");
  if (ok || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) ||
      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    st.errors.pop_front();
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

} // namespace mae::studio
