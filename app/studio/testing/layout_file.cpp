#include "testing/layout_file.h"

#include "lesson.h"
#include "mask_controls.h"

#include "data/written_by_mae.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace mae::studio {
namespace {

nlohmann::json rect_json(const DrawnRect& r) {
  return {{"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}, {"pixels_per_texel", r.pixels_per_texel}};
}

nlohmann::json results_json(const TabResults& t) {
  nlohmann::json items = nlohmann::json::array();
  if (!t.shown)
    return items;
  for (const Reconstruction& r : t.shown->items) {
    int removed = 0;
    std::string mask; // "0110...": row-major, 1 = removed
    for (uint8_t m : r.result.mask)
      removed += m != 0, mask += m ? '1' : '0';
    items.push_back({{"model", r.model_label},
                     {"strategy", to_string(r.settings.strategy)},
                     {"ratio", r.settings.ratio},
                     {"seed", r.settings.seed},
                     {"removed", removed},
                     {"mask", mask},
                     {"patches", r.result.mask.size()},
                     {"grid", {r.result.grid_w, r.result.grid_h}},
                     {"mae_mse", r.mae_mse},
                     {"baselines_ready", r.baselines_ready},
                     {"telea_mse", r.telea_mse},
                     {"mean_fill_mse", r.mean_fill_mse},
                     {"inference_ms", r.result.inference_ms},
                     {"trace_ms", r.result.trace_ms}});
  }
  return items;
}

// The query shown and the numbers of its map, for tests to check.
nlohmann::json attention_json(const AttentionUi& at) {
  nlohmann::json j = {{"error", at.error}, {"ready", at.shown != nullptr}};
  if (!at.shown)
    return j;
  const AttentionMap& m = *at.shown;
  const auto peak = std::max_element(m.weights.begin(), m.weights.end());
  j["stack"] = to_string(m.query.stack);
  j["layer"] = m.query.layer;
  j["head"] = m.query.head;
  j["patch"] = m.query.patch;
  j["rollout"] = m.query.rollout;
  j["cls_weight"] = m.cls_weight;
  j["max_weight"] = peak == m.weights.end() ? 0.0f : *peak;
  j["argmax"] = peak == m.weights.end() ? -1 : peak - m.weights.begin();
  j["weights"] = m.weights;
  return j;
}

// The Training tab's form and the newest snapshot, less the pictures.
nlohmann::json training_json(const TrainingUi& t) {
  nlohmann::json j = {{"config", t.form.config_path},
                      {"configs", t.form.configs},
                      {"run_dir", t.run_dir},
                      {"exporting_model", t.exporting_model},
                      {"log_scale_loss", t.loss_plot.log_y}};
  if (!t.snapshot)
    return j;
  const TrainingSnapshot& s = *t.snapshot;
  j["state"] = to_string(s.state);
  j["step"] = s.step;
  j["total_steps"] = s.total_steps;
  j["epoch"] = s.epoch;
  j["message"] = s.message;
  j["error"] = s.error;
  j["log"] = s.log;
  j["points"] = {{"loss", s.loss.size()},
                 {"lr", s.lr.size()},
                 {"images_per_s", s.images_per_s.size()},
                 {"knn_accuracy", s.knn_accuracy.size()}};
  j["previews"] = s.previews.size();
  j["preview_step"] = s.preview_step;
  j["out_dir"] = s.out_dir;
  return j;
}

nlohmann::json experiments_json(const ExperimentsUi& ex) {
  nlohmann::json rows = nlohmann::json::array();
  for (const SweepRun& run : ex.runs) {
    const auto r = std::find_if(ex.results.begin(), ex.results.end(),
                                [&](const SweepRunResult& x) { return x.id == run.id; });
    nlohmann::json row = {{"id", run.id}, {"done", r != ex.results.end()}};
    if (r != ex.results.end() && r->knn)
      row["knn"] = *r->knn;
    rows.push_back(row);
  }
  return {{"sweep", ex.sweep ? ex.sweep->name : ""},
          {"state", ex.snapshot ? to_string(ex.snapshot->state) : "idle"},
          {"out_dir", ex.out_dir},
          {"quick", ex.quick},
          {"title", ex.title},
          {"findings", ex.sweep ? ex.sweep->findings : ""},
          {"results_from", ex.results_from},
          {"sweeps", ex.sweeps.size()},
          {"rows", rows},
          {"plot_error", ex.plot_error},
          {"plot_note", ex.plot_note}};
}

} // namespace

std::string layout_json(const UiState& st, int fb_w, int fb_h) {
  nlohmann::json j;
  j["format"] = std::string(kStudioJsonFormatPrefix) + " layout"; // mae's own: rewritten freely
  j["framebuffer"] = {fb_w, fb_h};
  j["ui_scale"] = st.ui_scale;
  j["tab"] = tab_key(st.tab);
  j["compare_mode"] = to_string(st.compare_mode);
  j["second_model"] =
      st.second_model ? nlohmann::json(st.second_model_path) : nlohmann::json(nullptr);
  j["panels"] = nlohmann::json::object();
  for (const PanelRect& p : st.panel_rects) {
    j["panels"][p.name] = rect_json(p.rect);
    if (!p.caption.empty())
      j["panels"][p.name]["caption"] = p.caption;
  }
  j["popups"] = nlohmann::json::array();
  for (const OpenPopup& p : st.popups)
    j["popups"].push_back(
        {{"name", p.name}, {"title", p.title}, {"text", p.text}, {"rect", rect_json(p.rect)}});
  j["model"] = st.model ? nlohmann::json(st.model_path) : nlohmann::json(nullptr);
  j["image"] = st.image ? nlohmann::json(st.image_path) : nlohmann::json(nullptr);
  if (st.image)
    j["image_size"] = {st.image->width, st.image->height, st.image->channels};
  if (st.preview)
    j["preview_size"] = {st.preview->width, st.preview->height};
  j["model_note"] = st.model_note;
  j["image_note"] = st.image_note;
  j["status"] = st.status;
  j["compare_note"] = st.compare_mode == CompareMode::Models ? second_model_input_note(st) : "";
  j["sidebar_overflow"] = st.sidebar_overflow;
  j["sidebar_overflow_x"] = st.sidebar_overflow_x;
  const GetModelsUi& g = st.get_models;
  j["get_models"] = {{"open", g.open},
                     {"entries", g.catalog.size()},
                     {"error", g.error},
                     {"state", to_string(g.status.state)},
                     {"name", g.status.name},
                     {"path", g.status.path},
                     {"fetch_error", g.status.error}};
  if (st.model) {
    // The colour removed patches are filled with in the masked panel.
    nlohmann::json fill = nlohmann::json::array();
    for (float m : st.model->normalization.mean)
      fill.push_back(static_cast<int>(std::lround(m * 255.0)));
    j["mask_fill"] = fill;
    j["device"] = st.model->device;
  }
  j["explorer"] = results_json(st.explorer);
  j["compare"] = results_json(st.compare);
  j["training"] = training_json(st.training);
  j["experiments"] = experiments_json(st.experiments);
  j["attention"] = attention_json(st.attention);
  const Slide* slide = current_slide(st);
  j["present"] = {{"on", st.present.on},
                  {"lesson", st.present.path},
                  {"slide", st.present.slide},
                  {"slides", st.present.lesson ? st.present.lesson->slides.size() : 0},
                  {"title", slide ? slide->title : ""},
                  {"ratio", st.mask.ratio}};
  j["how"] = {{"patch", st.how.highlighted()},
              {"stage", st.how.detail_stage},
              {"patch_text", st.how.hover_text}};
  // A folder's name need not be UTF-8; JSON is: such bytes become U+FFFD.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace mae::studio
