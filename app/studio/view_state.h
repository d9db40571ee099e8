// A view you can share: the model and picture (with their SHA-256, so that a
// changed file is noticed), the mask (ratio, strategy, seed, a painted mask),
// the tab, zoom and display options, the selected patch and attention query.
// File > Save view writes it, File > Open view and --state read it; opening
// it reproduces the same figure exactly. Torch- and ImGui-free.
#pragma once

#include "base/config_kind.h"

#include "ui_state.h"

#include <nlohmann/json.hpp>

#include <string>

namespace mae::studio {

struct ViewState {
  static constexpr ConfigKind kKind = ConfigKind::View; // what parse_config_json expects
  std::string model, model_sha256; // paths relative to the view file's folder when inside it
  std::string image, image_sha256;
  std::string second_model, second_model_sha256; // Compare, two models; empty: none
  MaskSettings mask;
  Tab tab = Tab::Explorer;
  CompareMode compare_mode = CompareMode::Ratios;
  ImageView explorer_view, compare_view;
  DisplayOptions display;
  int patch = -1;     // the selected patch (How it works, Attention)
  int how_stage = -1; // the How-it-works stage opened large
  AttentionQuery attention;

  // Throws ConfigError naming the field. A lesson's slide may name no model
  // or picture (`files_required` false): it keeps the ones open.
  void validate(bool files_required = true) const;
};

// "explorer", "how", ... (tab_key) and "ratios", ... back to the enums;
// ConfigError naming the field "tab" / "compare_mode" otherwise.
Tab parse_tab(const std::string& s);
CompareMode parse_compare_mode(const std::string& s);

void to_json(nlohmann::json& j, const ViewState& v);
void from_json(const nlohmann::json& j, ViewState& v);
// The fields alone, each optional (no format line): what a lesson's slide
// sets on top of the view before it. Throws ConfigError naming the field.
void read_view_fields(const nlohmann::json& j, ViewState& v);

// The view on screen; the digests are read from the files (ConfigError if one
// cannot be read). Paths are written relative to `view_file`'s folder when
// they lie inside it, so that a folder of lessons and pictures can be moved.
ViewState capture_view(const UiState& state, const std::string& view_file);

// Reads and validates a view file; its paths come back absolute.
ViewState read_view(const std::string& path);

// The settings part of `v`, applied to the state (loading the model and the
// picture is the caller's: they go through the worker).
void apply_view(UiState& state, const ViewState& v);

// Why the files on disk differ from the ones the view was saved with, or "".
std::string view_file_differences(const ViewState& v);

} // namespace mae::studio
