#include "view_state.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/sha256.h"

#include <algorithm>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "mae-studio view";
constexpr int kVersion = 1;

nlohmann::json view_json(const ImageView& v) {
  return {{"zoom", v.zoom}, {"cx", v.cx}, {"cy", v.cy}};
}

void read_view_field(const nlohmann::json& j, const char* key, ImageView& v) {
  const auto it = j.find(key);
  if (it == j.end())
    return;
  const std::string prefix = std::string(key) + ".";
  require_field(it->is_object(), key, "must be an object {zoom, cx, cy}");
  read_field(*it, "zoom", v.zoom, prefix);
  read_field(*it, "cx", v.cx, prefix);
  read_field(*it, "cy", v.cy, prefix);
}

const nlohmann::json& object_at(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  const auto it = j.find(key);
  if (it == j.end())
    return empty;
  require_field(it->is_object(), key, "must be an object");
  return *it;
}

// "image": {"path": ..., "sha256": ...} as a view file writes it, or the
// path alone as a teacher writes a slide by hand.
void read_file_field(const nlohmann::json& j, const char* key, std::string& path,
                     std::string& sha256) {
  const auto it = j.find(key);
  if (it == j.end())
    return;
  const std::string prefix = std::string(key) + ".";
  require_field(it->is_object() || it->is_string(), key,
                "must be a path, or an object {\"path\": ..., \"sha256\": ...}");
  if (it->is_string()) {
    path = it->get<std::string>();
    sha256.clear();
    return;
  }
  read_field(*it, "path", path, prefix);
  read_field(*it, "sha256", sha256, prefix);
}

// Relative to `base` when inside it, else absolute.
std::string portable_path(const std::string& path, const fs::path& base) {
  if (path.empty())
    return path;
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  const fs::path rel = abs.lexically_relative(base);
  if (!rel.empty() && *rel.begin() != "..")
    return rel.generic_string();
  return abs.string();
}

std::string digest_of(const std::string& path, const char* field) {
  try {
    return file_sha256(path);
  } catch (const Error& e) {
    throw ConfigError(std::string("config field '") + field + "': " + e.what());
  }
}

} // namespace

Tab parse_tab(const std::string& s) {
  for (Tab t : {Tab::Explorer, Tab::HowItWorks, Tab::Attention, Tab::Compare, Tab::Training,
                Tab::Experiments})
    if (s == tab_key(t))
      return t;
  require_field(false, "tab",
                "must be explorer, how, attention, compare, training or experiments, got \"" + s +
                    "\"");
  return Tab::Explorer;
}

CompareMode parse_compare_mode(const std::string& s) {
  for (CompareMode m : {CompareMode::Ratios, CompareMode::Strategies, CompareMode::Models})
    if (s == to_string(m))
      return m;
  require_field(false, "compare_mode", "must be ratios, strategies or models, got \"" + s + "\"");
  return CompareMode::Ratios;
}

void ViewState::validate(bool files_required) const {
  require_field(!files_required || !model.empty(), "model.path", "names no model");
  require_field(!files_required || !image.empty(), "image.path", "names no picture");
  for (const auto* sha : {&model_sha256, &image_sha256, &second_model_sha256})
    require_field(sha->empty() || (sha->size() == 64 &&
                                   sha->find_first_not_of("0123456789abcdef") == std::string::npos),
                  sha == &model_sha256   ? "model.sha256"
                  : sha == &image_sha256 ? "image.sha256"
                                         : "second_model.sha256",
                  "must be 64 lowercase hex digits");
  // A custom mask keeps the slider's ratio too: random masking falls back to
  // it when the mask does not fit the model's grid.
  require_field(mask.ratio >= kMinRatio && mask.ratio <= kMaxRatio, "mask.ratio",
                "must be in [0.05, 0.95]");
  require_field(mask.strategy != MaskStrategy::Custom || !mask.custom.empty(), "mask.custom",
                "a custom mask needs its patches");
  require_field(mask.strategy != MaskStrategy::Custom ||
                    std::find(mask.custom.begin(), mask.custom.end(), 0) != mask.custom.end(),
                "mask.custom", "must keep at least one patch (a '0')");
  for (const auto* v : {&explorer_view, &compare_view})
    require_field(v->zoom >= 1 && v->zoom <= 64 && v->cx >= 0 && v->cx <= 1 && v->cy >= 0 &&
                      v->cy <= 1,
                  v == &explorer_view ? "explorer_zoom" : "compare_zoom",
                  "zoom must be in [1, 64] and the centre in [0, 1]");
  require_field(patch >= -1 && patch < (1 << 20), "patch", "must be -1 (none) or a patch index");
  require_field(how_stage >= -1 && how_stage < 8, "how_stage", "must be in [-1, 7]");
  require_field(attention.layer >= -1 && attention.layer < 4096, "attention.layer",
                "must be in [-1 (the last), 4095]");
  require_field(attention.head >= -1 && attention.head < 4096, "attention.head",
                "must be in [-1 (mean), 4095]");
}

void to_json(nlohmann::json& j, const ViewState& v) {
  std::string custom;
  for (uint8_t m : v.mask.custom)
    custom += m ? '1' : '0';
  j = {{"format", kFormat},
       {"version", kVersion},
       {"model", {{"path", v.model}, {"sha256", v.model_sha256}}},
       {"image", {{"path", v.image}, {"sha256", v.image_sha256}}},
       {"mask",
        {{"strategy", to_string(v.mask.strategy)},
         {"ratio", v.mask.ratio},
         {"seed", v.mask.seed},
         {"custom", custom}}},
       {"tab", tab_key(v.tab)},
       {"compare_mode", to_string(v.compare_mode)},
       {"explorer_zoom", view_json(v.explorer_view)},
       {"compare_zoom", view_json(v.compare_view)},
       {"display",
        {{"grid", v.display.grid},
         {"tint", v.display.tint},
         {"integer_zoom", v.display.integer_zoom},
         {"compare_inpainting", v.display.compare_inpainting}}},
       {"patch", v.patch},
       {"how_stage", v.how_stage},
       {"attention",
        {{"stack", to_string(v.attention.stack)},
         {"layer", v.attention.layer},
         {"head", v.attention.head},
         {"rollout", v.attention.rollout}}}};
  if (!v.second_model.empty())
    j["second_model"] = {{"path", v.second_model}, {"sha256", v.second_model_sha256}};
}

void from_json(const nlohmann::json& j, ViewState& v) {
  require_field(j.is_object(), "(top level)", "a view file is a JSON object");
  std::string format;
  read_field(j, "format", format);
  require_field(format == kFormat, "format", "must be \"" + std::string(kFormat) + "\"");
  int version = 0;
  read_field(j, "version", version);
  require_field(version == kVersion, "version",
                "this MAE Studio reads version " + std::to_string(kVersion));
  read_view_fields(j, v);
}

void read_view_fields(const nlohmann::json& j, ViewState& v) {
  require_field(j.is_object(), "(view)", "must be a JSON object");
  read_file_field(j, "model", v.model, v.model_sha256);
  read_file_field(j, "image", v.image, v.image_sha256);
  read_file_field(j, "second_model", v.second_model, v.second_model_sha256);
  const nlohmann::json& mask = object_at(j, "mask");
  // A field left out keeps its value: a slide sets what it names on top of
  // the slide before, and a view file starts from the defaults.
  std::string strategy = to_string(v.mask.strategy);
  read_field(mask, "strategy", strategy, "mask.");
  try {
    // "custom" is no command-line strategy (it needs the mask), but a view has it.
    v.mask.strategy = strategy == "custom" ? MaskStrategy::Custom : parse_mask_strategy(strategy);
  } catch (const Error&) {
    require_field(false, "mask.strategy", "must be random, block, grid or custom");
  }
  read_field(mask, "ratio", v.mask.ratio, "mask.");
  read_field(mask, "seed", v.mask.seed, "mask.");
  require_field(v.mask.seed <= kMaxMaskSeed, "mask.seed",
                "must be from 0 to " + std::to_string(kMaxMaskSeed) +
                    " (a random mask's 32-bit "
                    "seed), got " +
                    std::to_string(v.mask.seed));
  if (mask.contains("custom")) {
    std::string custom;
    read_field(mask, "custom", custom, "mask.");
    require_field(custom.find_first_not_of("01") == std::string::npos, "mask.custom",
                  "must be a string of 0 (kept) and 1 (removed), one per patch");
    v.mask.custom.clear();
    for (char c : custom)
      v.mask.custom.push_back(c == '1');
  }
  std::string tab = tab_key(v.tab), compare = to_string(v.compare_mode);
  read_field(j, "tab", tab);
  v.tab = parse_tab(tab);
  read_field(j, "compare_mode", compare);
  v.compare_mode = parse_compare_mode(compare);
  read_view_field(j, "explorer_zoom", v.explorer_view);
  read_view_field(j, "compare_zoom", v.compare_view);
  const nlohmann::json& display = object_at(j, "display");
  read_field(display, "grid", v.display.grid, "display.");
  read_field(display, "tint", v.display.tint, "display.");
  read_field(display, "integer_zoom", v.display.integer_zoom, "display.");
  read_field(display, "compare_inpainting", v.display.compare_inpainting, "display.");
  read_field(j, "patch", v.patch);
  read_field(j, "how_stage", v.how_stage);
  const nlohmann::json& at = object_at(j, "attention");
  std::string stack = to_string(v.attention.stack);
  read_field(at, "stack", stack, "attention.");
  require_field(stack == "encoder" || stack == "decoder", "attention.stack",
                "must be encoder or decoder");
  v.attention.stack = stack == "encoder" ? AttentionStack::Encoder : AttentionStack::Decoder;
  read_field(at, "layer", v.attention.layer, "attention.");
  read_field(at, "head", v.attention.head, "attention.");
  read_field(at, "rollout", v.attention.rollout, "attention.");
}

ViewState capture_view(const UiState& st, const std::string& view_file) {
  if (!st.model || !st.image)
    throw UsageError("nothing to save yet: the view needs a model and a picture");
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::absolute(view_file, ec).parent_path(), ec);
  ViewState v;
  v.model = portable_path(st.model_path, base);
  v.model_sha256 = digest_of(st.model_path, "model.path");
  v.image = portable_path(st.image_path, base);
  v.image_sha256 = digest_of(st.image_path, "image.path");
  if (st.second_model) {
    v.second_model = portable_path(st.second_model_path, base);
    v.second_model_sha256 = digest_of(st.second_model_path, "second_model.path");
  }
  v.mask = st.mask;
  v.tab = st.tab;
  v.compare_mode = st.compare_mode;
  v.explorer_view = st.explorer_view;
  v.compare_view = st.compare_view;
  v.display = st.display;
  v.patch = st.how.pinned_patch;
  v.how_stage = st.how.detail_stage;
  v.attention = st.attention.query;
  return v;
}

ViewState read_view(const std::string& path) {
  ViewState v = parse_config_json<ViewState>(read_config_file(path, "view"), path);
  std::error_code ec;
  const fs::path base = fs::absolute(path, ec).parent_path();
  for (std::string* p : {&v.model, &v.image, &v.second_model})
    if (!p->empty() && fs::path(*p).is_relative())
      *p = (base / *p).lexically_normal().string();
  return v;
}

void apply_view(UiState& st, const ViewState& v) {
  st.mask = v.mask;
  st.show_tab(v.tab);
  st.compare_mode = v.compare_mode;
  st.explorer_view = v.explorer_view;
  st.compare_view = v.compare_view;
  st.display = v.display;
  st.how.pinned_patch = v.patch;
  st.how.detail_stage = v.how_stage;
  st.attention.query = v.attention;
}

std::string view_file_differences(const ViewState& v) {
  std::string out;
  const auto check = [&](const std::string& path, const std::string& saved, const char* what) {
    if (saved.empty())
      return;
    std::string now;
    try {
      now = file_sha256(path);
    } catch (const Error& e) {
      out += std::string(what) + " " + path + " cannot be read: " + e.what() + "\n";
      return;
    }
    if (now != saved)
      out += std::string(what) + " " + path +
             " is not the file the view was saved with (its SHA-256 differs): the figure may "
             "differ.\n";
  };
  check(v.model, v.model_sha256, "The model");
  check(v.image, v.image_sha256, "The picture");
  check(v.second_model, v.second_model_sha256, "The second model");
  return out;
}

} // namespace mae::studio
