#include "panels/panels.h"

#include <cstdio>
#include <filesystem>

namespace mae::studio {
namespace {

const ImVec4 kWarning(1.0f, 0.72f, 0.3f, 1.0f);

void separator() {
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
}

} // namespace

void draw_status_bar(PanelContext& ctx) {
  const UiState& st = ctx.state;
  if (st.model) {
    // "ViT-B/16 224px" without the encoder/decoder details.
    const std::string summary = st.model->config.summary();
    ImGui::Text("%s", summary.substr(0, summary.find(',')).c_str());
    separator();
    ImGui::TextUnformatted(st.model->device.c_str());
  } else {
    ImGui::TextColored(kWarning, "no model loaded - drop a model file");
  }
  separator();
  const TabResults& results = st.tab == Tab::Compare ? st.compare : st.explorer;
  if (results.shown && !results.shown->items.empty()) {
    double ms = 0;
    for (const auto& r : results.shown->items)
      ms += r.result.inference_ms;
    ImGui::Text("inference %.0f ms", ms);
  } else {
    ImGui::TextDisabled("inference -");
  }
  if (st.latency.last_ms > 0) {
    separator();
    ImGui::Text("on screen after %.0f ms", st.latency.last_ms);
    tooltip("From the last change (a slider, a key) to its reconstruction on screen");
  }
  separator();
  ImGui::Text("frame %.1f ms", st.frame_ms);
  if (st.worker_busy) {
    separator();
    ImGui::TextColored(kWarning, "computing ...");
  }
  if (training_under_way(st)) {
    const TrainingSnapshot& s = *st.training.snapshot;
    separator();
    ImGui::Text("training %s: step %lld / %lld", to_string(s.state), static_cast<long long>(s.step),
                static_cast<long long>(s.total_steps));
  }
  const std::string& note = !st.model_note.empty() ? st.model_note : st.image_note;
  if (!note.empty()) {
    separator();
    ImGui::TextColored(kWarning, "%s", note.c_str());
    tooltip(note.c_str()); // whole, where the bar cuts it
  }
  if (!st.status.empty()) {
    separator();
    ImGui::TextDisabled("%s", st.status.c_str());
    tooltip(st.status.c_str());
  }
}

} // namespace mae::studio
