#include "lesson.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "runtime/assets.h"
#include "train/sweep_config.h"

#include <algorithm>
#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "mae-studio lesson";
const char* const kHideable[] = {"sidebar", "tabs", "status"};

// Relative to the lesson's folder; else to the shipped lessons' folder, so
// that a copy of a shipped lesson, edited elsewhere, still finds
// "../models/default.safetensors".
std::string resolved(const std::string& path, const fs::path& base) {
  if (path.empty() || fs::path(path).is_absolute())
    return path;
  const fs::path here = (base / path).lexically_normal();
  std::error_code ec;
  const fs::path shipped = (fs::absolute(asset_dir(), ec) / "lessons" / path).lexically_normal();
  return fs::exists(here, ec) || !fs::exists(shipped, ec) ? here.string() : shipped.string();
}

// A missing picture or model is named when the lesson opens, not in front
// of the class at its slide.
void require_exists(const std::string& path, const char* field) {
  std::error_code ec;
  require_field(path.empty() || fs::exists(path, ec), field,
                "'" + path +
                    "' does not exist (paths are relative to the lesson's folder, or to the "
                    "shipped assets/lessons/)");
}

Slide read_slide(const nlohmann::json& j, const ViewState& before, const fs::path& base) {
  require_field(j.is_object(), "(slide)", "must be a JSON object");
  check_known_fields(j, {"title", "text", "view", "hide", "sweep"});
  Slide s;
  read_field(j, "title", s.title);
  read_field(j, "text", s.text);
  require_field(!s.title.empty(), "title", "every slide needs a title");
  s.view = before;
  if (const auto v = j.find("view"); v != j.end()) {
    ViewState view = before;
    view.model.clear(), view.image.clear(), view.second_model.clear();
    read_view_fields(*v, view);
    // A slide that names no model or picture keeps the ones before it.
    s.view = view;
    s.view.model = view.model.empty() ? before.model : resolved(view.model, base);
    s.view.image = view.image.empty() ? before.image : resolved(view.image, base);
    s.view.second_model =
        view.second_model.empty() ? before.second_model : resolved(view.second_model, base);
    s.view.model_sha256 = s.view.image_sha256 = s.view.second_model_sha256 = "";
    require_exists(s.view.model, "model");
    require_exists(s.view.image, "image");
    require_exists(s.view.second_model, "second_model");
  }
  if (const auto h = j.find("hide"); h != j.end()) {
    require_field(h->is_array(), "hide", "must be a list of sidebar, tabs, status");
    for (const auto& item : *h) {
      require_field(item.is_string() && std::find(std::begin(kHideable), std::end(kHideable),
                                                  item.get<std::string>()) != std::end(kHideable),
                    "hide", "must be a list of sidebar, tabs, status");
      s.hide.push_back(item.get<std::string>());
    }
  }
  read_field(j, "sweep", s.sweep);
  if (!s.sweep.empty()) { // read now: a broken one is named with its slide, not mid-class
    s.sweep = resolved(s.sweep, base);
    try {
      load_sweep(s.sweep);
    } catch (const Error& e) {
      throw ConfigError(std::string("field 'sweep': ") + e.what());
    }
  }
  s.view.validate(false);
  return s;
}

} // namespace

Lesson read_lesson(const std::string& path) {
  const std::string text = read_config_file(path, "lesson");
  const nlohmann::json j = parse_json(text, path);
  std::error_code ec;
  const fs::path base = fs::absolute(path, ec).parent_path();
  Lesson lesson;
  ViewState view;
  try {
    require_field(j.is_object(), "(top level)", "a lesson is a JSON object");
    std::string format;
    read_field(j, "format", format);
    require_field(format == kFormat, "format", "must be \"" + std::string(kFormat) + "\"");
    check_known_fields(j, {"format", "title", "model", "image", "slides"});
    read_field(j, "title", lesson.title);
    read_field(j, "model", view.model);
    read_field(j, "image", view.image);
    view.model = resolved(view.model, base);
    view.image = resolved(view.image, base);
    require_exists(view.model, "model");
    require_exists(view.image, "image");
    const auto slides = j.find("slides");
    require_field(slides != j.end() && slides->is_array() && !slides->empty(), "slides",
                  "must be a non-empty list");
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what() + other_kind_hint(j, ConfigKind::Lesson));
  }
  int n = 0;
  for (const auto& s : j.at("slides")) {
    ++n;
    try {
      lesson.slides.push_back(read_slide(s, view, base));
    } catch (const ConfigError& e) {
      throw ConfigError(path + ": slide " + std::to_string(n) + ": " + e.what());
    }
    view = lesson.slides.back().view;
  }
  return lesson;
}

const Slide* current_slide(const UiState& st) {
  const PresentUi& p = st.present;
  if (!p.on || !p.lesson || p.slide < 0 || p.slide >= static_cast<int>(p.lesson->slides.size()))
    return nullptr;
  return &p.lesson->slides[static_cast<size_t>(p.slide)];
}

std::vector<std::string> shipped_lessons() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(asset_dir() + "/lessons", ec))
    if (e.path().extension() == ".json")
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string lesson_title(const std::string& path) {
  try {
    const auto j = parse_json_or_discarded(read_config_file(path, "lesson"));
    if (j.is_object() && j.contains("title") && j["title"].is_string() &&
        !j["title"].get<std::string>().empty())
      return j["title"].get<std::string>();
  } catch (const std::exception&) { // the menu still lists it; opening it says what is wrong
  }
  return fs::path(path).stem().string();
}

} // namespace mae::studio
