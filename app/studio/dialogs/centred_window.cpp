#include "dialogs/dialogs.h"

#include <imgui.h>

#include <algorithm>

namespace mae::studio {

void next_window_centred(ImVec2 size) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const float margin = ImGui::GetFontSize() * 2;
  ImGui::SetNextWindowPos(vp->GetCenter(), ImGuiCond_Appearing, {0.5f, 0.5f});
  ImGui::SetNextWindowSize(
      {std::min(size.x, vp->WorkSize.x - margin), std::min(size.y, vp->WorkSize.y - margin)},
      ImGuiCond_Appearing);
}

} // namespace mae::studio
