// Model > Get models...: the paper's public checkpoints (configs/fetch/),
// which are cached, one download at a time with its progress, and the result
// opened as the main model. The download itself runs on the FetchWorker.
#include "dialogs/dialogs.h"
#include "panels/panels.h"

#include <imgui.h>

#include <cstdio>

namespace mae::studio {
namespace {

std::string progress_label(const FetchStatus& s) {
  char text[160];
  const double done = static_cast<double>(s.bytes.done) / 1e6;
  if (s.bytes.total > 0)
    std::snprintf(text, sizeof text, "%s: %.1f of %.1f MB, %.1f MB/s", s.stage.c_str(), done,
                  static_cast<double>(s.bytes.total) / 1e6, s.bytes.bytes_per_s / 1e6);
  else
    std::snprintf(text, sizeof text, "%s: %.1f MB", s.stage.c_str(), done);
  return text;
}

void draw_entry_row(UiState& st, size_t i) {
  const GetModelsUi& g = st.get_models;
  const CatalogEntry& e = g.catalog[i];
  const bool running = g.status.state == FetchStatus::State::Running;
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(e.name.c_str());
  tooltip(e.description.c_str());
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(e.source.c_str());
  tooltip("Who publishes this file; the addresses are in configs/fetch/catalog.json");
  ImGui::TableNextColumn();
  const bool cached = i < g.cached.size() && g.cached[i];
  ImGui::TextUnformatted(cached ? "cached" : e.encoder_only ? "encoder only" : "");
  ImGui::TableNextColumn();
  ImGui::PushID(static_cast<int>(i));
  ImGui::BeginDisabled(running);
  if (ImGui::SmallButton(cached ? "Open" : "Get"))
    st.commands.push_back({Command::Kind::FetchModel, e.name, ""});
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    wrapped_tooltip("%s", cached           ? "Open it from the cache as the main model"
                          : e.encoder_only ? "The encoder alone: for mae probe and mae "
                                             "finetune; reconstructions need a decoder, which "
                                             "it lacks"
                                           : "Download, check, convert to MAE Studio's format "
                                             "and open it; an interrupted download resumes");
  ImGui::PopID();
}

void draw_status(UiState& st) {
  const FetchStatus& s = st.get_models.status;
  if (s.state == FetchStatus::State::Running) {
    const float fraction =
        s.bytes.total > 0 ? static_cast<float>(s.bytes.done) / static_cast<float>(s.bytes.total)
                          : 0.0f;
    ImGui::ProgressBar(fraction, {-ImGui::GetFontSize() * 6, 0}, progress_label(s).c_str());
    ImGui::SameLine();
    if (ImGui::Button("Cancel"))
      st.commands.push_back({Command::Kind::CancelFetch, "", ""});
    tooltip("Stop the download; what has arrived is kept and the next Get resumes from it");
  } else if (s.state == FetchStatus::State::Failed || s.state == FetchStatus::State::Cancelled) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored({1.0f, 0.45f, 0.4f, 1.0f}, "%s", s.error.c_str());
    ImGui::PopTextWrapPos();
  } else if (s.state == FetchStatus::State::Done) {
    ImGui::TextWrapped("Opened %s", s.path.c_str());
  }
}

} // namespace

void draw_get_models_dialog(UiState& st) {
  GetModelsUi& g = st.get_models;
  if (!g.open)
    return;
  const float font = ImGui::GetFontSize();
  next_window_centred({font * 52, font * 24});
  if (!ImGui::Begin("Get models", &g.open, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  st.popups.push_back({"get_models", "Get models", g.status.error, current_window_rect()});
  if (!g.error.empty()) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored({1.0f, 0.45f, 0.4f, 1.0f}, "%s", g.error.c_str());
    ImGui::PopTextWrapPos();
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  const float table_height = -(ImGui::GetFrameHeightWithSpacing() * 2 + font);
  if (ImGui::BeginTable("catalog", 4, flags, {0, table_height})) {
    ImGui::TableSetupColumn("Model", ImGuiTableColumnFlags_WidthStretch, 3);
    ImGui::TableSetupColumn("From", ImGuiTableColumnFlags_WidthStretch, 4);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, font * 6);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, font * 3.5f);
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableHeadersRow();
    for (size_t i = 0; i < g.catalog.size(); ++i)
      draw_entry_row(st, i);
    ImGui::EndTable();
  }
  draw_status(st);
  ImGui::TextDisabled("Cache: %s  (proxies: http_proxy, https_proxy)", g.cache_dir.c_str());
  ImGui::End();
}

} // namespace mae::studio
