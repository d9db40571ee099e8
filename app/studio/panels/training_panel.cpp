// The Training tab: the run's state and progress with its buttons, the live
// curves (loss, lr, img/s, k-NN accuracy), and reconstructions of the fixed
// held-out images by the current weights. Everything is drawn from the
// newest snapshot; the buttons queue Commands.
#include "panels/panels.h"

#include "dialogs/dialogs.h"
#include "plot/plot_widget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace mae::studio {
namespace {

ImVec4 state_colour(TrainingState s) {
  switch (s) {
  case TrainingState::Running:
    return {0.45f, 0.85f, 0.45f, 1.0f};
  case TrainingState::Paused:
    return {1.0f, 0.75f, 0.3f, 1.0f};
  case TrainingState::Finished:
    return {0.5f, 0.7f, 1.0f, 1.0f};
  case TrainingState::Failed:
    return {1.0f, 0.45f, 0.4f, 1.0f};
  case TrainingState::Idle:
    break;
  }
  return {0.6f, 0.6f, 0.6f, 1.0f};
}

std::string duration(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

void separator() {
  ImGui::SameLine();
  ImGui::TextDisabled("|");
  ImGui::SameLine();
}

// "running | step 120 / 4000 | epoch 0.26 | ETA 0:12:31 | 143 img/s", then the run folder.
void status_line(const UiState& st, const TrainingSnapshot& s) {
  const TrainingUi& t = st.training;
  std::string state = to_string(s.state);
  if (t.quitting || (s.state == TrainingState::Running && t.stop_requested))
    state = "stopping (saving a checkpoint) ...";
  else if (s.state == TrainingState::Finished && s.stopped_early)
    state = "stopped";
  else if (s.state == TrainingState::Idle && !t.watch_dir.empty())
    state = "stale"; // a followed run that went quiet short of its last step
  ImGui::TextColored(state_colour(s.state), "%s", state.c_str());
  separator();
  ImGui::Text("step %lld / %lld", static_cast<long long>(s.step),
              static_cast<long long>(s.total_steps));
  separator();
  ImGui::Text("epoch %.2f", s.epoch);
  if (s.state == TrainingState::Running && s.eta_s > 0) {
    separator();
    ImGui::Text("ETA %s", duration(s.eta_s).c_str());
  }
  if (!s.images_per_s.empty()) {
    separator();
    ImGui::Text("%.0f img/s", s.images_per_s.back().second);
  }
  if (s.skipped_images + s.skipped_steps > 0) {
    separator();
    ImGui::TextColored(state_colour(TrainingState::Paused), "skipped %lld images, %lld steps",
                       static_cast<long long>(s.skipped_images),
                       static_cast<long long>(s.skipped_steps));
  }
  separator();
  ImGui::TextDisabled("%s", t.run_dir.c_str());
}

void progress_bar(const TrainingSnapshot& s) {
  const float fraction =
      s.total_steps > 0 ? static_cast<float>(s.step) / static_cast<float>(s.total_steps) : 0.0f;
  char overlay[64];
  std::snprintf(overlay, sizeof overlay, "%lld / %lld  (%.0f%%)", static_cast<long long>(s.step),
                static_cast<long long>(s.total_steps), 100.0 * fraction);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, state_colour(s.state));
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
  ImGui::ProgressBar(fraction, {-1, 0}, overlay);
  ImGui::PopStyleColor(2);
}

bool button(const char* label, bool enabled, const char* tip) {
  ImGui::BeginDisabled(!enabled);
  const bool pressed = ImGui::Button(label);
  ImGui::EndDisabled();
  tooltip(tip);
  ImGui::SameLine();
  return pressed;
}

// Pause / Resume, Stop, Save checkpoint, Open in explorer, Export CSV, and the latest note.
void buttons(UiState& st, const TrainingSnapshot& s) {
  TrainingUi& t = st.training;
  const bool watching = !t.watch_dir.empty(); // another process's run: read-only
  const bool running = s.state == TrainingState::Running && !watching;
  const bool paused = s.state == TrainingState::Paused && !watching;
  const bool has_weights =
      !watching && s.state != TrainingState::Failed && s.state != TrainingState::Idle;
  const auto queue = [&](Command::Kind k) { st.commands.push_back({k, "", ""}); };
  if (button(paused ? "Resume" : "Pause", (running || paused) && !t.stop_requested,
             "Pause the run between steps (nothing is lost), or go on"))
    queue(paused ? Command::Kind::ResumeTraining : Command::Kind::PauseTraining);
  if (button("Stop", (running || paused) && !t.stop_requested,
             "End the run after the current step, with a checkpoint: Continue the run resumes it"))
    queue(Command::Kind::StopTraining);
  if (button("Save checkpoint", has_weights,
             "Write checkpoint.safetensors and model.safetensors now, without stopping"))
    queue(Command::Kind::SaveCheckpoint);
  if (watching) {
    if (button("Open in explorer", std::filesystem::exists(s.model_path),
               "Load the followed run's latest model.safetensors as the Explorer's model")) {
      st.commands.push_back({Command::Kind::Open, s.model_path, ""});
      st.show_tab(Tab::Explorer);
    }
  } else if (button(t.exporting_model.empty() ? "Open in explorer" : "Exporting ...",
                    has_weights && t.exporting_model.empty(),
                    "Load the current weights as the Explorer's model"))
    queue(Command::Kind::OpenInExplorer);
  if (button("Export CSV...", !s.loss.empty() || !s.knn_accuracy.empty() || !s.heldout_mse.empty(),
             "Save every curve (loss, lr, images/s, k-NN accuracy, held-out MSE) by step as CSV"))
    open_file_browser(st, FileBrowserState::Mode::ExportCurves);
  const std::string& note = s.state == TrainingState::Failed ? s.error : s.message;
  ImGui::TextDisabled("%s", note.c_str());
  if (ImGui::IsItemHovered() && !note.empty())
    wrapped_tooltip("%s", note.c_str());
}

// The step range every curve shares, so that the plots line up, with room
// for the dots at either end.
Range shared_steps(const TrainingSnapshot& s) {
  Range r{0, static_cast<double>(std::max<int64_t>(s.step, 1))};
  for (const auto* c : {&s.loss, &s.lr, &s.images_per_s, &s.knn_accuracy, &s.heldout_mse})
    if (!c->empty())
      r.hi = std::max(r.hi, static_cast<double>(c->back().first));
  const double pad = r.span() * 0.02;
  return {r.lo - pad, r.hi + pad};
}

void plots(PanelContext& ctx, const TrainingSnapshot& s, float height) {
  TrainingUi& t = ctx.state.training;
  Curve knn_percent = s.knn_accuracy;
  for (auto& point : knn_percent)
    point.second *= 100;
  const Range steps = shared_steps(s);
  struct Entry {
    PlotSpec spec;
    PlotOptions* options;
  };
  Entry entries[] = {
      {{"plot_loss", "loss", &s.loss, IM_COL32(255, 150, 70, 255), "", true, steps}, &t.loss_plot},
      {{"plot_lr", "learning rate", &s.lr, IM_COL32(90, 170, 255, 255), "", false, steps},
       &t.lr_plot},
      {{"plot_images_per_s", "images / s", &s.images_per_s, IM_COL32(110, 210, 120, 255), "", false,
        steps},
       &t.speed_plot},
      {{"plot_knn_accuracy", "k-NN accuracy", &knn_percent, IM_COL32(200, 130, 255, 255), "%",
        false, steps},
       &t.knn_plot},
  };
  // Unlabelled photos have no k-NN probe: the fourth plot shows how well the
  // weights fill in held-out pictures instead (recon_eval_every).
  if (s.knn_accuracy.empty() && !s.heldout_mse.empty())
    entries[3].spec = {"plot_heldout_mse",
                       "held-out masked MSE",
                       &s.heldout_mse,
                       IM_COL32(200, 130, 255, 255),
                       "",
                       false,
                       steps};
  const float gap = ImGui::GetStyle().ItemSpacing.x * 3;
  const float avail = ImGui::GetContentRegionAvail().x;
  // Four in a row on wide windows, two by two otherwise.
  const int columns = avail >= 1000 ? 4 : 2;
  const float width = std::floor((avail - gap * (columns - 1)) / columns);
  const float plot_h = columns == 4 ? height : (height - ImGui::GetStyle().ItemSpacing.y) / 2;
  for (int i = 0; i < 4; ++i) {
    if (i % columns)
      ImGui::SameLine(0, gap);
    draw_plot(ctx, entries[i].spec, *entries[i].options, {width, plot_h}, t.snapshot);
  }
}

void preview_image(PanelContext& ctx, const std::string& name, const Texture& texture, float side) {
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max = {min.x + side, min.y + side};
  ImGui::Dummy({side, side});
  if (ctx.renderer && !texture.empty()) {
    PanelImage image;
    image.image = &texture;
    ctx.state.panel_rects.push_back(
        {name, ctx.renderer->draw(ImGui::GetWindowDrawList(), min, max, image, ImageView{})});
  } else {
    ImGui::GetWindowDrawList()->AddRectFilled(min, max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  }
}

// Each held-out image as masked | reconstruction + visible | original, two
// triples to a row, as large as the space left allows.
void previews(PanelContext& ctx, const TrainingSnapshot& s) {
  const std::vector<PreviewTexture>& items = ctx.training_previews.items();
  if (items.empty()) {
    ImGui::TextDisabled("The reconstructions of held-out images appear once the data is loaded.");
    return;
  }
  ImGui::Text("Held-out images at step %lld:", static_cast<long long>(s.preview_step));
  ImGui::SameLine();
  ImGui::TextDisabled("masked | reconstruction + visible | original");
  const int groups = items.size() > 1 ? 2 : 1;
  const int rows = static_cast<int>((items.size() + groups - 1) / groups);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x, group_gap = gap * 6;
  const float side = std::floor(std::max(
      24.0f, std::min((avail.x - group_gap * (groups - 1) - gap * 2 * groups) / (3 * groups),
                      (avail.y - gap * rows) / rows)));
  const char* kinds[3] = {"train_masked_", "train_reconstruction_", "train_original_"};
  for (size_t i = 0; i < items.size(); ++i) {
    if (i % groups)
      ImGui::SameLine(0, group_gap);
    ImGui::BeginGroup();
    const Texture* textures[3] = {&items[i].masked, &items[i].reconstruction_visible,
                                  &items[i].original};
    for (int k = 0; k < 3; ++k) {
      if (k)
        ImGui::SameLine(0, gap);
      preview_image(ctx, kinds[k] + std::to_string(i), *textures[k], side);
    }
    ImGui::EndGroup();
  }
}

} // namespace

void draw_training_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  if (!st.training.snapshot) {
    centred_message("Choose a training config in the sidebar and press Start training. The "
                    "loss, learning rate, speed and k-NN accuracy (or, on unlabelled photos, the "
                    "held-out reconstruction error) are plotted here as it trains, with "
                    "reconstructions of held-out images by the current weights.");
    return;
  }
  const TrainingSnapshot& s = *st.training.snapshot;
  status_line(st, s);
  progress_bar(s);
  buttons(st, s);
  ImGui::Spacing();
  const float avail = ImGui::GetContentRegionAvail().y;
  plots(ctx, s, std::floor(avail * (ImGui::GetContentRegionAvail().x >= 1000 ? 0.36f : 0.5f)));
  ImGui::Spacing();
  ImGui::Separator();
  ImGui::Spacing();
  previews(ctx, s);
}

} // namespace mae::studio
