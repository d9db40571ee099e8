// The Experiments tab: choose one of the paper's ablations (configs/sweeps/),
// start, pause or stop it, watch its table fill and its figure grow; open a
// finished run's model in the Explorer or its training curves.
#include "panels/panels.h"
#include "panels/patch_grid.h"

#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace mae::studio {
namespace {

// The sweep names a table of the paper's numbers (drawn dashed in the plot).
bool has_paper_numbers(const ExperimentsUi& ex) {
  return ex.sweep && !ex.sweep->reference.file.empty();
}
namespace fs = std::filesystem;

bool running(const ExperimentsUi& ex) {
  return ex.snapshot &&
         (ex.snapshot->state == SweepState::Running || ex.snapshot->state == SweepState::Paused);
}

const SweepRunResult* result_of(const ExperimentsUi& ex, const SweepRun& run) {
  for (const auto& r : ex.results)
    if (r.id == run.id)
      return &r;
  return nullptr;
}

void sweep_chooser(UiState& st) {
  ExperimentsUi& ex = st.experiments;
  const std::string shown = ex.path.empty() ? "(none)" : fs::path(ex.path).stem().string();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  ImGui::BeginDisabled(running(ex));
  const bool open = ImGui::BeginCombo("sweep", shown.c_str());
  tooltip("The paper's ablations, re-run on Fashion-MNIST (configs/sweeps/): each sweep trains "
          "the same small MAE with one setting changed, then measures what its encoder learned");
  if (open) {
    for (const auto& path : ex.sweeps) {
      if (ImGui::Selectable(fs::path(path).stem().string().c_str(), path == ex.path))
        st.commands.push_back({Command::Kind::ChooseSweep, path, ""});
      tooltip(path.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Checkbox("quick evaluations", &ex.quick) && !ex.path.empty())
    st.commands.push_back({Command::Kind::ChooseSweep, ex.path, ""});
  tooltip("A first look in minutes: the runs train as before, but k-NN, the linear probe and "
          "fine-tuning use at most a fifth of the images (noisier numbers than the full "
          "tables), into a folder of its own (<name>-quick)");
  ImGui::EndDisabled();
  if (ex.sweep) {
    // Beside the chooser where there is room; under it in large text, where
    // it was a column of one word a line.
    same_line_if_fits(ImGui::GetFontSize() * 22);
    wrapped_text(ex.title, ImGui::GetContentRegionAvail().x);
  }
}

// How long the shipped runs took, as a guide to Start's: ". The shipped
// runs took 20 minutes in all ..." (empty when none are shown).
std::string shipped_time(const ExperimentsUi& ex) {
  if (ex.results_from == ex.out_dir || ex.results.empty())
    return "";
  double seconds = 0;
  for (const SweepRunResult& r : ex.results)
    seconds += r.train_seconds + r.eval_seconds;
  return printf_string(". The shipped runs took about %.0f minutes in all on 2 CPU cores%s",
                       seconds / 60, ex.quick ? " (quick evaluations take less)" : "");
}

void controls(UiState& st) {
  ExperimentsUi& ex = st.experiments;
  const bool active = running(ex);
  const bool paused = ex.snapshot && ex.snapshot->state == SweepState::Paused;
  const bool all_done =
      !ex.runs.empty() && ex.results.size() == ex.runs.size() && ex.results_from == ex.out_dir;
  ImGui::BeginDisabled(!ex.sweep || active || all_done);
  if (ImGui::Button(ex.results.empty() || ex.results_from != ex.out_dir ? "Start" : "Continue"))
    st.commands.push_back({Command::Kind::StartSweep, "", ""});
  ImGui::EndDisabled();
  tooltip(all_done ? "Every run of this sweep has finished: its results are below"
                   : ("Train and evaluate the runs one after another in the folder shown; "
                      "finished runs are kept, a stopped one resumes from its checkpoint" +
                      shipped_time(ex))
                         .c_str());
  ImGui::SameLine();
  ImGui::BeginDisabled(!active);
  if (ImGui::Button(paused ? "Resume" : "Pause"))
    st.commands.push_back(
        {paused ? Command::Kind::ResumeSweep : Command::Kind::PauseSweep, "", ""});
  tooltip(paused ? "Carry on from the step it paused at"
                 : "Hold the sweep between two steps (the CPU is free meanwhile)");
  ImGui::SameLine();
  if (ImGui::Button("Stop"))
    st.commands.push_back({Command::Kind::StopSweep, "", ""});
  tooltip("End the current run at a checkpoint; Continue picks it up where it stopped");
  ImGui::EndDisabled();
  ImGui::SameLine();
  // Beside the buttons, on as many lines as the folders' names need.
  dim_wrapped(ex.results_from == ex.out_dir
                  ? printf_string("%zu of %zu runs done, in %s", ex.results.size(), ex.runs.size(),
                                  ex.out_dir.c_str())
                  : printf_string("showing the results shipped in %s; Start runs the sweep "
                                  "here, into %s",
                                  ex.results_from.c_str(), ex.out_dir.c_str()));
  if (ex.snapshot && active && ex.snapshot->current >= 0) {
    const SweepSnapshot& s = *ex.snapshot;
    char label[160];
    std::snprintf(
        label, sizeof label, "run %d of %zu: %s%s", s.current + 1, ex.runs.size(), s.stage.c_str(),
        s.total_steps > 0
            ? (" step " + std::to_string(s.step) + " of " + std::to_string(s.total_steps)).c_str()
            : "");
    const float f = s.total_steps > 0 ? static_cast<float>(s.step) / s.total_steps : 0.0f;
    ImGui::ProgressBar(f, {-1, 0}, label);
    tooltip("The run in progress and what it is doing: pre-training, then the evaluations the "
            "sweep asks for (k-NN, linear probe, fine-tuning)");
  } else if (ex.snapshot && ex.snapshot->state == SweepState::Failed) {
    ImGui::TextColored({1.0f, 0.45f, 0.4f, 1.0f}, "failed: %s", ex.snapshot->error.c_str());
  }
}

// What the shipped runs found against the paper: wrapped in a tall window,
// else one line, whole on hover where cut (the plot needs the height).
void findings_line(const ExperimentsUi& ex) {
  if (ex.sweep->findings.empty())
    return;
  const std::string text = "What the shipped runs found (docs/ablations.md): " + ex.sweep->findings;
  if (ImGui::GetContentRegionAvail().y > 30 * ImGui::GetTextLineHeightWithSpacing()) {
    dim_wrapped(text);
    return;
  }
  caption_line(text, ImGui::GetContentRegionAvail().x, true);
}

void cell_accuracy(const std::optional<double>& v) {
  if (v)
    ImGui::Text("%.2f %%", 100 * *v);
  else
    ImGui::TextDisabled("-");
}

void table(UiState& st, float height) {
  ExperimentsUi& ex = st.experiments;
  if (!ex.sweep)
    return;
  const int axes = static_cast<int>(ex.sweep->axes.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  if (!ImGui::BeginTable("sweep_table", axes + 6, flags, {0, height}))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const auto& a : ex.sweep->axes)
    ImGui::TableSetupColumn(a.field.c_str());
  static const char* const kColumns[][2] = {
      {"status", "done: trained and evaluated in the folder shown; shipped: a result shipped in "
                 "docs/ablations/, not run on this machine; pending: not run yet"},
      {"k-NN", "Accuracy of a vote among the nearest training images (the config's probe_k, 20 "
               "by default) in the frozen encoder's features: a quick read-out of what it "
               "learned (higher is better)"},
      {"linear probe", "Accuracy of a linear classifier trained on the frozen encoder's cls "
                       "token, the paper's linear probing (higher is better)"},
      {"fine-tune", "Accuracy after a short fine-tuning of the whole encoder (the sweep's "
                    "finetune settings), the paper's main protocol (higher is better)"},
      {"final loss", "The training loss at the last step: a better reconstruction, not a better "
                     "encoder; losses on other targets or ratios are not comparable"},
      {"time", "Seconds of pre-training and evaluation on the machine that ran it (the shipped "
               "results: 2 CPU cores, often beside other work)"}};
  for (const auto& c : kColumns)
    ImGui::TableSetupColumn(c[0]);
  // Headers one by one, each with what its column means.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int a = 0; a < axes; ++a) {
    ImGui::TableSetColumnIndex(a);
    ImGui::TableHeader(ex.sweep->axes[static_cast<size_t>(a)].field.c_str());
    tooltip(("The setting this sweep changes: the training config's field '" +
             ex.sweep->axes[static_cast<size_t>(a)].field + "'")
                .c_str());
  }
  for (int c = 0; c < static_cast<int>(std::size(kColumns)); ++c) {
    ImGui::TableSetColumnIndex(axes + c);
    ImGui::TableHeader(kColumns[c][0]);
    tooltip(kColumns[c][1]);
  }
  for (size_t i = 0; i < ex.runs.size(); ++i) {
    const SweepRun& run = ex.runs[i];
    const SweepRunResult* r = result_of(ex, run);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Selectable(run.labels[0].c_str(), ex.selected == static_cast<int>(i),
                          ImGuiSelectableFlags_SpanAllColumns)) {
      ex.selected = static_cast<int>(i);
      ++ex.plot_version;
    }
    ImGui::PopID();
    tooltip("Select this run: open its model in the Explorer or show its training curves");
    for (int a = 1; a < axes; ++a) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(run.labels[static_cast<size_t>(a)].c_str());
    }
    ImGui::TableNextColumn();
    const bool current = running(ex) && ex.snapshot->current == static_cast<int>(i);
    if (r)
      ImGui::TextUnformatted(ex.results_from == ex.out_dir ? "done" : "shipped");
    else if (current)
      ImGui::TextColored({0.45f, 0.8f, 1.0f, 1.0f}, "%s", ex.snapshot->stage.c_str());
    else
      ImGui::TextDisabled("pending");
    ImGui::TableNextColumn();
    cell_accuracy(r ? r->knn : std::nullopt);
    ImGui::TableNextColumn();
    cell_accuracy(r ? r->linear_probe : std::nullopt);
    ImGui::TableNextColumn();
    cell_accuracy(r ? r->finetune : std::nullopt);
    ImGui::TableNextColumn();
    if (r && r->final_loss)
      ImGui::Text("%.4f", *r->final_loss);
    else
      ImGui::TextDisabled("-");
    ImGui::TableNextColumn();
    if (r)
      ImGui::Text("%.0f s", r->train_seconds + r->eval_seconds);
    else
      ImGui::TextDisabled("-");
  }
  ImGui::EndTable();
  st.panel_rects.push_back({"sweep_table", framebuffer_rect(top, {top.x + width, top.y + height})});
}

void run_actions(UiState& st) {
  ExperimentsUi& ex = st.experiments;
  const bool has_run = ex.selected >= 0 && ex.selected < static_cast<int>(ex.runs.size());
  const std::string dir =
      has_run
          ? (fs::path(ex.out_dir) / "runs" / ex.runs[static_cast<size_t>(ex.selected)].id).string()
          : std::string();
  std::error_code ec;
  const bool has_model = has_run && fs::exists(fs::path(dir) / kTrainModelName, ec);
  ImGui::BeginDisabled(!has_model);
  if (ImGui::Button("Open in Explorer")) {
    st.commands.push_back({Command::Kind::Open, (fs::path(dir) / kTrainModelName).string(), ""});
    st.show_tab(Tab::Explorer);
  }
  // Shipped results (docs/ablations) hold numbers, not each run's weights.
  tooltip(!has_run    ? "Select a run in the table first"
          : has_model ? "Load this run's pre-trained model in the Explorer: see what it "
                        "reconstructs"
                      : "This run's model is not on this machine (the shipped results keep "
                        "the numbers only): press Start to train it here");
  ImGui::EndDisabled();
  ImGui::SameLine();
  const bool has_metrics = has_run && fs::exists(fs::path(dir) / kMetricsName, ec);
  ImGui::BeginDisabled(!has_metrics && !ex.show_curves);
  if (ImGui::Checkbox("training curves", &ex.show_curves))
    ++ex.plot_version;
  tooltip(has_metrics || ex.show_curves
              ? "Show the selected run's loss curve instead of the sweep's accuracy figure"
          : has_run ? "This run's metrics.jsonl is not on this machine (the shipped results "
                      "keep the numbers only): press Start to train it here"
                    : "Select a run in the table first");
  ImGui::EndDisabled();
  ImGui::SameLine();
  // Only some ablations have numbers in the paper (Table 1); figures do not.
  ex.plot_note = ex.show_curves ? "the selected run's training loss"
                 : has_paper_numbers(ex)
                     ? "dashed lines: the paper's ImageNet numbers for the same ablation"
                 : ex.sweep && !ex.sweep->reference.note.empty()
                     ? ex.sweep->reference.note
                     : "the paper shows this ablation only as a figure: no numbers to draw";
  dim_wrapped(ex.plot_note);
}

// Asks for the plot again at the size of the space it is shown in (and the
// text scale of the window's font, larger in Present mode) when either
// changed by a tenth.
void fit_plot_to(ExperimentsUi& ex, ImVec2 space) {
  const ImGuiIO& io = ImGui::GetIO();
  const float fb = io.DisplayFramebufferScale.x;
  const int width = std::clamp(static_cast<int>(space.x * fb), 320, 4096);
  const int height = std::clamp(static_cast<int>(space.y * fb), 200, 4096);
  // The window's text size, smaller in a short space (large text at 1280 x
  // 800), where the title, legend and axes left the plot a few pixels.
  const double text =
      std::clamp(std::min(ImGui::GetFontSize() * fb / 16.0, height / 300.0), 0.75, 4.0);
  if (std::abs(width - ex.plot_width) * 10 > ex.plot_width ||
      std::abs(height - ex.plot_height) * 10 > ex.plot_height ||
      std::abs(text - ex.plot_text_scale) > 0.05) {
    ex.plot_width = width;
    ex.plot_height = height;
    ex.plot_text_scale = text;
    ++ex.plot_version;
  }
}

void plot(PanelContext& ctx) {
  ExperimentsUi& ex = ctx.state.experiments;
  if (!ex.plot_error.empty()) {
    ImGui::TextDisabled("%s", ex.plot_error.c_str());
    return;
  }
  if (ctx.sweep_plot.empty())
    return;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  fit_plot_to(ex, avail);
  // At its own size once redrawn; until then, the last one fitted in.
  const float fb = ImGui::GetIO().DisplayFramebufferScale.x;
  const float aspect = static_cast<float>(ctx.sweep_plot.height()) / ctx.sweep_plot.width();
  const float w = std::max(64.0f, std::min({avail.x, avail.y / aspect,
                                            static_cast<float>(ctx.sweep_plot.width()) / fb}));
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max = {min.x + w, min.y + w * aspect};
  ImGui::Image(texture_id(ctx.sweep_plot), {w, w * aspect});
  tooltip(ex.show_curves          ? "The selected run's training loss"
          : has_paper_numbers(ex) ? "Top-1 accuracy against the swept setting, one line per "
                                    "evaluation; the paper's numbers (ImageNet, ViT-L) dashed for "
                                    "comparison"
                                  : "Top-1 accuracy against the swept setting, one line per "
                                    "evaluation");
  ctx.state.panel_rects.push_back({"sweep_plot", framebuffer_rect(min, max)});
}

} // namespace

void draw_experiments_panel(PanelContext& ctx) {
  UiState& st = ctx.state;
  sweep_chooser(st);
  if (!st.experiments.sweep) {
    centred_message("No sweep: choose one of configs/sweeps/");
    return;
  }
  controls(st);
  findings_line(st.experiments);
  ImGui::Separator();
  const float rows = static_cast<float>(st.experiments.runs.size() + 1); // and the header
  // Exactly the rows: a table row is a line and its cell padding (no blank row below).
  const float row = ImGui::GetTextLineHeight() + 2 * ImGui::GetStyle().CellPadding.y;
  const float height = std::min(ImGui::GetContentRegionAvail().y * 0.4f, rows * row + 4);
  table(st, height);
  run_actions(st);
  plot(ctx);
}

} // namespace mae::studio
