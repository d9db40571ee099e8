#include "app.h"
#include "failure_text.h"

#include "config_home.h"
#include "dialogs/dialogs.h"
#include "figure_export.h"
#include "lesson.h"
#include "mask_controls.h"
#include "open_target.h"
#include "panels/panels.h"
#include "testing/headless.h"
#include "theme.h"
#include "view_state.h"

#include "base/config_json.h"
#include "base/errors.h"
#include "base/image_signature.h"
#include "checkpoint/model_label.h"
#include "data/image_io.h"
#include "formats/atomic_file.h"
#include "model/model_config.h"
#include "runtime/assets.h"
#include "runtime/runtime.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

namespace mae::studio {
namespace fs = std::filesystem;
namespace {

// The tabs of the main area, in order. A new panel is one more row.
struct TabSpec {
  const char* label;
  Tab tab;
  void (*draw)(PanelContext&);
};
const TabSpec kTabs[] = {
    {"Explorer", Tab::Explorer, draw_reconstruction_panel},
    {"How it works", Tab::HowItWorks, draw_how_it_works_panel},
    {"Attention", Tab::Attention, draw_attention_panel},
    {"Compare", Tab::Compare, draw_compare_panel},
    {"Training", Tab::Training, draw_training_panel},
    {"Experiments", Tab::Experiments, draw_experiments_panel},
};

// Panels of the Explorer and Compare tabs tell their requests apart by tag.
constexpr int kExplorerTag = 0, kCompareTag = 1;
const std::string kNotImageOrModel =
    std::string("Not an image or a model. Images: ") + kImageFormatList +
    ". Models: .safetensors, official .pth, or a HuggingFace folder (config.json + "
    "model.safetensors). Also lessons, saved views, training configs and sweeps (.json).";

// A painted mask has no ratio to vary and fits only the patch grid it was
// painted on: where it cannot serve, random masking removing the same share does.
MaskSettings unpainted(const MaskSettings& m, const ModelConfig& painted_on) {
  if (m.strategy != MaskStrategy::Custom)
    return m;
  const int g = painted_on.grid_size();
  return {MaskStrategy::Random, m.applied_ratio(g, g), m.seed, {}};
}

std::vector<MaskSettings> compare_settings(const UiState& st) {
  const MaskSettings plain = unpainted(st.mask, st.model->config);
  std::vector<MaskSettings> out;
  if (st.compare_mode == CompareMode::Models) {
    out = {st.mask, second_model_has_other_grid(st) ? plain : st.mask};
  } else if (st.compare_mode == CompareMode::Ratios) {
    for (double r : {0.5, 0.75, 0.9})
      out.push_back({plain.strategy, r, st.mask.seed, {}});
  } else {
    for (MaskStrategy s : {MaskStrategy::Random, MaskStrategy::Block, MaskStrategy::Grid})
      out.push_back({s, plain.ratio, st.mask.seed, {}});
  }
  return out;
}

// Best guess for the architecture dialog: the name the file hints at.
int guess_architecture(const std::string& path, const std::vector<std::string>& names) {
  std::string file = fs::path(path).filename().string();
  std::transform(file.begin(), file.end(), file.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* size : {"huge", "large", "base", "small", "tiny"})
    if (file.find(size) != std::string::npos)
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i].find(size) != std::string::npos)
          return static_cast<int>(i);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i].find("large") != std::string::npos)
      return static_cast<int>(i); // the visualize checkpoint
  return 0;
}

// A query kept across models (or asked for by --attention-layer, a view)
// stays within the new one's layers and heads, "the last layer" becoming its
// index; returns what it changed, for the status line, or "".
std::string clamp_attention_query(AttentionQuery& q, const ModelConfig& c) {
  q.layer = q.resolved_layer(c);
  const int64_t depth = q.stack_depth(c);
  const int64_t heads = q.stack_heads(c);
  const int64_t layer = std::clamp<int64_t>(q.layer, 0, std::max<int64_t>(0, depth - 1));
  const int64_t head = std::clamp<int64_t>(q.head, AttentionQuery::kMeanOfHeads, heads - 1);
  std::string changed;
  if (layer != q.layer)
    changed = "no attention layer " + std::to_string(q.layer) + " (this stack's are 0 to " +
              std::to_string(depth - 1) + "): showing layer " + std::to_string(layer);
  if (head != q.head)
    changed += (changed.empty() ? "" : "; ") + std::string("no head ") + std::to_string(q.head) +
               " (0 to " + std::to_string(heads - 1) + "): showing head " + std::to_string(head);
  q.layer = layer;
  q.head = head;
  return changed;
}

// The attention query fitted to the shown model; what that changed goes on
// the status line.
void fit_attention_query(UiState& st) {
  const std::string clamped = clamp_attention_query(st.attention.query, st.model->config);
  if (!clamped.empty())
    st.status += " (" + clamped + ")";
}

// A model that cannot load: the architecture dialog when only the
// architecture is missing, else a popup; the current model stays.
void model_failed(UiState& st, const WorkerEvent& ev) {
  const bool second = ev.model_request.slot == ModelSlot::Second;
  std::string& loading = second ? st.loading_second_model : st.loading_model;
  if (loading == ev.path)
    loading.clear();
  if (needs_architecture(ev.message) && ev.model_request.options.arch.empty() &&
      !ev.model_request.options.config) {
    st.arch = ArchDialog{true, ev.path, ev.model_request.slot, builtin_model_names(), 0};
    st.arch.choice = guess_architecture(ev.path, st.arch.names);
  } else {
    st.errors.push_back({second ? "Cannot load the second model" : "Cannot load the model",
                         failure_text(ev.path, ev.message, "model",
                                      second ? st.second_model_path : st.model_path)});
  }
}

void attention_answered(AttentionUi& at, const WorkerEvent& ev) {
  at.answered_id = std::max(at.answered_id, ev.request_id);
  if (ev.request_id < at.shown_id)
    return; // an older query's answer
  at.shown_id = ev.request_id;
  at.error = ev.message;
  if (ev.attention)
    at.shown = ev.attention;
}

void image_answered(UiState& st, const WorkerEvent& ev) {
  if (st.loading_image == ev.path)
    st.loading_image.clear();
  if (ev.kind == WorkerEvent::Kind::ImageFailed) {
    st.errors.push_back(
        {"Cannot open the image", failure_text(ev.path, ev.message, "image", st.image_path)});
    return;
  }
  st.image = ev.image;
  st.preview = ev.preview;
  st.image_path = ev.path;
  st.image_note = ev.message; // a truncated or reduced picture says so
  st.recent.add(ev.path, "image");
}

void reconstruction_answered(UiState& st, const WorkerEvent& ev) {
  TabResults& tr = ev.tag == kCompareTag ? st.compare : st.explorer;
  tr.answered_id = std::max(tr.answered_id, ev.request_id);
  if (ev.kind == WorkerEvent::Kind::ReconstructFailed) {
    if (ev.message != st.reconstruct_error)
      st.errors.push_back({"Reconstruction failed", ev.message});
    st.reconstruct_error = ev.message;
    return;
  }
  // Results arrive in request order (a request's second answer adds the
  // baselines); never go back to an older one.
  if (!tr.shown || ev.request_id >= tr.shown->request_id)
    tr.shown = ev.result;
  st.latency.arrived_id = ev.request_id;
  st.reconstruct_error.clear();
}

void glfw_error(int code, const char* text) {
  std::cerr << "mae-studio: GLFW error " << code << ": " << text << "\n";
}

} // namespace

App::App(const CliOptions& options)
    : options_(options), state_(RecentFiles::default_location()),
      training_([] { glfwPostEmptyEvent(); }) {
  state_.mask = {options.strategy, options.ratio, options.seed, {}};
  state_.how.pinned_patch = options.patch;
  state_.how.detail_stage = options.how_stage;
  state_.attention.query = options.attention;
  load_user_settings();
  state_.get_models.catalog_path = options.fetch_catalog;
  if (const std::optional<StartView> view = options.view) {
    state_.tab = *view == StartView::Single      ? Tab::Explorer
                 : *view == StartView::How       ? Tab::HowItWorks
                 : *view == StartView::Attention ? Tab::Attention
                                                 : Tab::Compare;
    if (state_.tab == Tab::Compare)
      state_.compare_mode = *view == StartView::Ratios       ? CompareMode::Ratios
                            : *view == StartView::Strategies ? CompareMode::Strategies
                                                             : CompareMode::Models;
  }
  if (!state_.recent.last_error().empty())
    std::cerr << "mae-studio: " << state_.recent.last_error() << "\n";
  init_window();
  init_imgui();
  try {
    renderer_ = std::make_unique<ImageRenderer>(shader_dir());
  } catch (const ShaderError& e) {
    // The UI still runs (dialogs, status); the pictures need the shaders.
    std::cerr << "mae-studio: " << e.what() << "\n";
    state_.errors.push_back({"Shader error", e.what()});
  }
  // All cores but one by default: the UI thread (and a software GL rasteriser)
  // keeps a core, or inference threads spinning at their barriers would take
  // turns with it and run many times slower.
  worker_ = std::make_unique<InferenceWorker>(options.device, thread_count(options.threads, 1),
                                              [] { glfwPostEmptyEvent(); });
  init_training_form();
  init_experiments();
}

App::~App() {
  // Join the workers while GLFW is alive: they post wake-up events.
  training_.close();
  sweep_session_.reset();
  fetch_worker_.reset(); // cancels a download (its part is kept to resume)
  worker_.reset();
  renderer_.reset();
  explorer_textures_ = ResultTextures();
  compare_textures_ = ResultTextures();
  preview_ = Texture();
  sweep_plot_ = Texture();
  training_previews_ = PreviewTextures();
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_)
    glfwDestroyWindow(window_);
  glfwTerminate();
}

void App::init_window() {
  glfwSetErrorCallback(glfw_error);
  if (!glfwInit())
    throw Error("cannot initialise GLFW: no display? Headless machines can run "
                "xvfb-run -a -s \"-screen 0 1600x1000x24\" mae-studio ...");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  window_ = glfwCreateWindow(options_.width, options_.height, "MAE Studio", nullptr, nullptr);
  if (!window_)
    throw Error("cannot open a window with OpenGL 3.3 core (see the GLFW error above)");
  place_window();
  glfwMakeContextCurrent(window_);
  // Headless runs measure and finish as fast as they can; on screen, vsync paces frames.
  glfwSwapInterval(options_.headless() ? 0 : 1);
  glfwSetWindowUserPointer(window_, this);
  glfwSetDropCallback(window_, [](GLFWwindow* w, int count, const char** paths) {
    auto* app = static_cast<App*>(glfwGetWindowUserPointer(w));
    for (int i = 0; i < count; ++i)
      app->dropped_.emplace_back(paths[i]);
  });
  glfwSetWindowContentScaleCallback(window_, [](GLFWwindow* w, float, float) {
    static_cast<App*>(glfwGetWindowUserPointer(w))->rescale_ = true;
  });
}

void App::init_imgui() {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr; // the layout is computed, nothing to remember
  float sx = 1, sy = 1;
  glfwGetWindowContentScale(window_, &sx, &sy);
  state_.monitor_scale = std::max(1.0f, sx);
  state_.ui_scale = effective_scale();
  apply_theme(state_.ui_scale);
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  imgui_ready_ = true;
}

void App::load_user_settings() {
  const std::string home = config_home();
  settings_path_ = home.empty() ? "" : home + "/settings.json";
  LoadedSettings loaded = load_settings(settings_path_);
  if (!loaded.message.empty()) {
    std::cerr << "mae-studio: " << loaded.message << "\n";
    state_.errors.push_back({"Settings reset", loaded.message});
  }
  settings_ = loaded.settings;
  state_.tab = settings_.tab;
  state_.compare_mode = settings_.compare_mode;
  state_.display = settings_.display;
  state_.ui_scale_choice = settings_.ui_scale;
  forced_scale_ = options_.ui_scale;
}

void App::save_user_settings() {
  Settings s = settings_;
  s.tab = state_.tab;
  s.compare_mode = state_.compare_mode;
  s.display = state_.display;
  s.ui_scale = state_.ui_scale_choice;
  if (window_) {
    if (state_.present.on) { // the windowed geometry, not the full screen
      s.window_x = windowed_[0], s.window_y = windowed_[1];
      s.window_width = windowed_[2], s.window_height = windowed_[3];
    } else {
      glfwGetWindowPos(window_, &s.window_x, &s.window_y);
      glfwGetWindowSize(window_, &s.window_width, &s.window_height);
    }
  }
  if (const std::string error = save_settings(settings_path_, s); !error.empty())
    std::cerr << "mae-studio: " << error << "\n";
  settings_ = s;
}

// The size and place the window last had, unless --size says otherwise; a
// place on no connected monitor (one unplugged since) is dropped.
void App::place_window() {
  if (options_.size_given || settings_.window_width <= 0)
    return;
  // Set after creation: GLFW_SCALE_TO_MONITOR would scale a saved size twice.
  glfwSetWindowSize(window_, settings_.window_width, settings_.window_height);
  if (options_.headless() || settings_.window_x == Settings::kUnset)
    return;
  int count = 0;
  GLFWmonitor** monitors = glfwGetMonitors(&count);
  for (int i = 0; i < count; ++i) {
    int x = 0, y = 0, w = 0, h = 0;
    glfwGetMonitorWorkarea(monitors[i], &x, &y, &w, &h);
    if (settings_.window_x >= x && settings_.window_x < x + w && settings_.window_y >= y &&
        settings_.window_y < y + h) {
      glfwSetWindowPos(window_, settings_.window_x, settings_.window_y);
      return;
    }
  }
}

float App::effective_scale() const {
  if (forced_scale_ > 0)
    return forced_scale_;
  return state_.ui_scale_choice > 0 ? state_.ui_scale_choice : state_.monitor_scale;
}

// Present mode's text a class reads from the back of the room: 1.3x, the
// size every slide is laid out to fit at 1024 x 768, and as much more as the
// window is taller than 800 px (a 1080p projector's text was 768's), in
// tenths so that a resize does not rebuild the fonts at every pixel.
float App::text_scale() const {
  if (!state_.present.on)
    return 1.0f;
  int width = 0, height = 0;
  framebuffer_size(width, height);
  const float logical = static_cast<float>(height) / std::max(1.0f, effective_scale());
  return std::round(13.0f * std::max(1.0f, logical / 800.0f)) / 10.0f;
}

// Fonts rebuilt at the new size (sharp text, not a stretched atlas) and every
// style size scaled with them.
void App::apply_scale() {
  state_.ui_scale = effective_scale();
  fonts_text_scale_ = text_scale();
  apply_theme(state_.ui_scale, fonts_text_scale_);
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
}

std::optional<ViewState> App::read_and_apply_view(const std::string& path) {
  try {
    const ViewState v = read_view(path);
    apply_view(state_, v);
    const std::string differences = view_file_differences(v);
    if (!differences.empty())
      state_.errors.push_back(
          {"The view's files have changed", "View: " + path + "\n\n" + differences});
    state_.status = "opened the view " + path;
    return v;
  } catch (const Error& e) {
    state_.errors.push_back({"Cannot open the view", failure_text(path, e.what())});
    return std::nullopt;
  }
}

void App::open_view(const std::string& path) {
  if (const std::optional<ViewState> v = read_and_apply_view(path))
    load_view_files(*v);
}

void App::load_view_files(const ViewState& v) {
  if (!v.model.empty() && v.model != state_.model_path && v.model != state_.loading_model) {
    load_model(v.model, {}, ModelSlot::Main);
  }
  if (!v.second_model.empty() && v.second_model != state_.second_model_path &&
      v.second_model != state_.loading_second_model)
    load_model(v.second_model, {}, ModelSlot::Second);
  if (!v.image.empty() && v.image != state_.image_path && v.image != state_.loading_image) {
    worker_->load_image(v.image);
    state_.loading_image = v.image;
  }
  // With the model already shown: a model on its way is fitted when it comes.
  if (state_.model && state_.loading_model.empty())
    fit_attention_query(state_);
}

void App::export_sweep(const std::string& path) {
  UiState& st = state_;
  if (!st.model || !st.image)
    return;
  if (st.mask.strategy == MaskStrategy::Custom) {
    st.errors.push_back({"Cannot export the ratio sweep",
                         "A painted mask has no ratio to sweep: choose random, block or grid."});
    return;
  }
  SweepVideoRequest request;
  request.image = st.image;
  request.settings = st.mask;
  request.path = path;
  worker_->sweep_video(std::move(request));
  st.status = "exporting the ratio sweep to " + path + " ...";
}

void App::save_view(const std::string& path) {
  try {
    const nlohmann::json j = capture_view(state_, path);
    const std::string text = j.dump(2) + "\n";
    write_file_atomic(path, text.data(), text.size());
    state_.status = "saved the view to " + path;
  } catch (const Error& e) {
    state_.errors.push_back({"Cannot save the view", failure_text(path, e.what())});
  } catch (const nlohmann::json::type_error&) { // a file name that is not UTF-8
    state_.errors.push_back(
        {"Cannot save the view", "File: " + path +
                                     "\n\nThe model's or the picture's file name is not UTF-8 "
                                     "text, which a view (JSON) cannot hold: rename the file"});
  }
}

void App::start_loading() {
  // A view given with --state names the model and the picture, unless those are given too.
  std::optional<std::string> model = options_.model, image_option = options_.image;
  std::string second_model = options_.compare_model;
  std::vector<std::string> documents; // opened once the model and picture are on their way
  for (const std::string& file : options_.files)
    switch (classify_path(file)) {
    case TargetKind::Image:
      image_option = file;
      break;
    case TargetKind::Model:
      model = file;
      break;
    case TargetKind::Document:
      documents.push_back(file);
      break;
    case TargetKind::Unsupported:
      state_.errors.push_back(
          {"Cannot open this file", "File: " + file + "\n\n" + kNotImageOrModel});
      break;
    }
  if (!options_.state.empty())
    if (const std::optional<ViewState> v = read_and_apply_view(options_.state)) {
      model = model.value_or(v->model);
      image_option = image_option.value_or(v->image);
      if (second_model.empty())
        second_model = v->second_model;
    }
  const StartupModel m =
      choose_startup_model(model.value_or(""), default_model_path(), asset_dir() + "/models");
  state_.model_note = m.note;
  if (model && m.path != *model)
    state_.errors.push_back({"Cannot open the model",
                             failure_text(*model, "no such file or directory", "model", m.path)});
  startup_model_ = m.path;
  if (!m.path.empty())
    load_model(m.path, {}, ModelSlot::Main);
  if (!second_model.empty())
    load_model(second_model, {}, ModelSlot::Second);
  std::string image = image_option.value_or(default_image_path());
  std::error_code ec;
  if (image_option && !fs::exists(image, ec)) {
    // A --image that does not exist: the demo image, saying so.
    state_.errors.push_back(
        {"Cannot open the image",
         failure_text(image, "no such file or directory", "image", default_image_path())});
    image = default_image_path();
  }
  if (fs::exists(image, ec)) {
    worker_->load_image(image);
    state_.loading_image = image;
  } else {
    state_.image_note = "demo image " + image + " not found: drop an image on the window";
  }
  for (const std::string& file : documents)
    open_document(file);
  if (options_.training())
    state_.commands.push_back({Command::Kind::StartTraining, "", ""});
  if (!options_.lesson.empty()) {
    open_lesson(options_.lesson);
    if (const auto& lesson = state_.present.lesson) {
      const int count = static_cast<int>(lesson->slides.size());
      state_.present.requested = std::min(options_.slide, count - 1);
      if (options_.slide >= count)
        state_.errors.push_back({"No such slide", "--slide " + std::to_string(options_.slide + 1) +
                                                      ": '" + lesson->title + "' has " +
                                                      std::to_string(count) +
                                                      " slides. Showing the last."});
    }
    if (options_.present)
      set_present(true);
  }
}

// A one-channel model (Fashion-MNIST's) on the start-up photo reconstructs
// nothing a class recognises: it gets a Fashion-MNIST picture it was not
// trained on instead. A picture the user chose stays.
bool App::picture_for_model(const ModelConfig& c) {
  const std::string sample = asset_dir() + "/images/fashion_mnist_ankle_boot.png";
  std::error_code ec;
  const std::string& shown =
      state_.loading_image.empty() ? state_.image_path : state_.loading_image;
  if (c.in_chans != 1 || shown != default_image_path() || !fs::exists(sample, ec))
    return false;
  worker_->load_image(sample);
  state_.loading_image = sample;
  return true;
}

void App::main_model_loaded(const WorkerEvent& ev) {
  UiState& st = state_;
  st.model = ev.model;
  const bool new_picture = picture_for_model(ev.model->config);
  st.pos_embed = ev.pos_embed;
  st.model_path = ev.path;
  if (st.loading_model == ev.path)
    st.loading_model.clear();
  if (ev.path != startup_model_)
    st.model_note.clear();
  st.status = "loaded " + model_label(ev.path);
  for (const auto& n : ev.model->notices)
    st.status += " (" + n + ")";
  fit_attention_query(st);
  if (new_picture)
    st.status += "; showing a Fashion-MNIST picture: a one-channel model has most likely learned "
                 "from such pictures, not from photos";
  st.recent.add(ev.path, "model");
}

void App::handle_worker_events() {
  UiState& st = state_;
  for (WorkerEvent& ev : worker_->take_events()) {
    const std::string file = fs::path(ev.path).filename().string();
    switch (ev.kind) {
    case WorkerEvent::Kind::ModelLoaded:
      if (ev.model_request.slot == ModelSlot::Second)
        second_model_loaded(ev);
      else
        main_model_loaded(ev);
      break;
    case WorkerEvent::Kind::ModelFailed:
      model_failed(st, ev);
      break;
    case WorkerEvent::Kind::AttentionReady:
    case WorkerEvent::Kind::AttentionFailed:
      attention_answered(st.attention, ev);
      break;
    case WorkerEvent::Kind::SweepProgress:
      st.status = "exporting the ratio sweep to " + file + ": " + ev.message;
      break;
    case WorkerEvent::Kind::SweepWritten:
      st.status = "exported the ratio sweep to " + ev.path + " (" + ev.message + ")";
      break;
    case WorkerEvent::Kind::SweepFailed:
      st.errors.push_back({"Cannot export the ratio sweep", failure_text(ev.path, ev.message)});
      break;
    case WorkerEvent::Kind::ImageLoaded:
    case WorkerEvent::Kind::ImageFailed:
      image_answered(st, ev);
      break;
    case WorkerEvent::Kind::Reconstructed:
    case WorkerEvent::Kind::ReconstructFailed:
      reconstruction_answered(st, ev);
      break;
    }
    if (!st.recent.last_error().empty())
      st.status = st.recent.last_error();
  }
}

void App::load_model(const std::string& path, const LoadOptions& options, ModelSlot slot) {
  worker_->load_model({path, options, slot});
  (slot == ModelSlot::Second ? state_.loading_second_model : state_.loading_model) = path;
}

void App::second_model_loaded(const WorkerEvent& ev) {
  UiState& st = state_;
  st.second_model = ev.model;
  st.second_model_path = ev.path;
  if (st.loading_second_model == ev.path)
    st.loading_second_model.clear();
  st.status = "loaded " + model_label(ev.path) + " as the second model";
  st.recent.add(ev.path, "model");
}

void App::open_path(const std::string& path) {
  UiState& st = state_;
  switch (classify_path(path)) {
  case TargetKind::Image:
    worker_->load_image(path);
    st.loading_image = path;
    break;
  case TargetKind::Model:
    load_model(path, {}, ModelSlot::Main);
    break;
  case TargetKind::Document:
    open_document(path);
    break;
  case TargetKind::Unsupported:
    st.errors.push_back({"Cannot open this file", "File: " + path + "\n\n" + kNotImageOrModel});
    break;
  }
}

void App::open_document(const std::string& path) {
  UiState& st = state_;
  ConfigKind kind = ConfigKind::Unknown;
  try {
    kind = config_kind(parse_json(read_config_file(path, "file"), path));
  } catch (const Error& e) {
    st.errors.push_back({"Cannot open this file", failure_text(path, e.what())});
    return;
  }
  switch (kind) {
  case ConfigKind::Lesson:
    open_lesson(path);
    return;
  case ConfigKind::View:
    open_view(path);
    return;
  case ConfigKind::Training:
    choose_train_config(path);
    st.show_tab(Tab::Training);
    return;
  case ConfigKind::HuggingFace: // its folder is the model
    load_model(fs::path(path).parent_path().string(), {}, ModelSlot::Main);
    return;
  case ConfigKind::Sweep:
    choose_sweep(path);
    st.show_tab(Tab::Experiments);
    return;
  default:
    break;
  }
  const std::string what =
      kind == ConfigKind::Unknown ? "a JSON file MAE Studio does not know" : describe(kind);
  st.errors.push_back({"Cannot open this file",
                       "File: " + path + "\n\nThis is " + what +
                           ". The app opens lessons, saved views, training configs and sweeps."});
}

void App::export_figure(const std::string& path) {
  try {
    write_png(path, current_figure(state_));
    state_.status = "exported " + path;
  } catch (const Error& e) {
    state_.errors.push_back({"Cannot export the figure", failure_text(path, e.what())});
  }
}

void App::run_commands() {
  std::vector<Command> commands;
  commands.swap(state_.commands);
  for (const Command& c : commands) {
    // Our errors are told where they happen; anything else (a library's
    // exception) still becomes a message, not the end of the app.
    try {
      run_command(c);
    } catch (const std::exception& e) {
      state_.errors.push_back(
          {"Something went wrong", c.path.empty() ? e.what() : failure_text(c.path, e.what())});
    }
  }
}

void App::run_command(const Command& c) {
  switch (c.kind) {
  case Command::Kind::Open:
    open_path(c.path);
    break;
  case Command::Kind::LoadModelWithArch: {
    LoadOptions o;
    o.arch = c.arch;
    load_model(c.path, o, c.slot);
    break;
  }
  case Command::Kind::ChooseSweep:
    choose_sweep(c.path);
    break;
  case Command::Kind::StartSweep:
  case Command::Kind::PauseSweep:
  case Command::Kind::ResumeSweep:
  case Command::Kind::StopSweep:
    run_sweep_command(c.kind);
    break;
  case Command::Kind::OpenGetModels:
    open_get_models();
    break;
  case Command::Kind::FetchModel:
    fetch_model_named(c.path);
    break;
  case Command::Kind::CancelFetch:
    if (fetch_worker_)
      fetch_worker_->cancel();
    break;
  case Command::Kind::OpenSecondModel:
    if (classify_path(c.path) == TargetKind::Model)
      load_model(c.path, {}, ModelSlot::Second);
    else
      state_.errors.push_back({"Cannot open the second model",
                               "File: " + c.path +
                                   "\n\nNot a model: .safetensors, official .pth, or a "
                                   "HuggingFace folder (config.json + model.safetensors)."});
    break;
  case Command::Kind::ExportFigure:
    export_figure(c.path);
    break;
  case Command::Kind::SaveView:
    save_view(c.path);
    break;
  case Command::Kind::OpenView:
    open_view(c.path);
    break;
  case Command::Kind::ExportSweep:
    export_sweep(c.path);
    break;
  case Command::Kind::OpenLesson:
    open_lesson(c.path);
    break;
  case Command::Kind::TogglePresent:
    set_present(!state_.present.on);
    break;
  case Command::Kind::Quit:
    glfwSetWindowShouldClose(window_, GLFW_TRUE);
    break;
  case Command::Kind::ChooseTrainConfig:
    choose_train_config(c.path);
    break;
  case Command::Kind::ExportCurves:
    export_curves(c.path);
    break;
  case Command::Kind::StartTraining:
  case Command::Kind::PauseTraining:
  case Command::Kind::ResumeTraining:
  case Command::Kind::StopTraining:
  case Command::Kind::SaveCheckpoint:
  case Command::Kind::OpenInExplorer:
    run_training_command(c.kind);
    break;
  }
}

void App::send_attention_request() {
  UiState& st = state_;
  AttentionUi& at = st.attention;
  AttentionQuery query = at.query;
  query.patch = st.how.pinned_patch >= 0 ? st.how.pinned_patch : AttentionQuery::kClsToken;
  const bool same = at.image == st.image.get() && at.model == st.model.get() &&
                    at.mask == st.mask && at.asked == query;
  // A request replaced in the worker's slot is never answered: ask again.
  const bool lost = at.requested_id > at.answered_id && worker_->idle();
  if (same && !lost)
    return;
  AttentionRequest request{st.next_request_id++, st.image, st.mask, query};
  worker_->attention(std::move(request));
  at.image = st.image.get();
  at.model = st.model.get();
  at.mask = st.mask;
  at.asked = query;
  at.requested_id = st.next_request_id - 1;
  sent_this_frame_ = true;
}

void App::send_requests() {
  UiState& st = state_;
  sent_this_frame_ = false;
  if (!st.model || !st.image)
    return;
  if (st.mask.strategy == MaskStrategy::Custom &&
      st.mask.custom.size() != static_cast<size_t>(st.model->config.num_patches())) {
    // A custom mask waits for the model it was painted for (a view being
    // opened); painted for another model's patches, it gives way.
    if (!st.loading_model.empty())
      return;
    st.mask.strategy = MaskStrategy::Random;
    st.mask.custom.clear();
    st.status = "the painted mask was for another model's patch grid: back to random masking";
  }
  if (st.tab == Tab::Attention)
    send_attention_request();
  const bool compare = st.tab == Tab::Compare;
  const bool two_models = compare && st.compare_mode == CompareMode::Models;
  if (two_models && !st.second_model)
    return; // the tab asks for one
  TabResults& tr = compare ? st.compare : st.explorer;
  // The How-it-works tab needs the stages traced (a few ms more); a traced
  // answer serves the Explorer as well, so going back to it asks for nothing.
  const bool trace = st.tab == Tab::HowItWorks;
  RequestKey key{st.image.get(), st.model.get(), two_models ? st.second_model.get() : nullptr,
                 compare ? compare_settings(st) : std::vector<MaskSettings>{st.mask},
                 trace || tr.requested.trace};
  // A request replaced in the worker's slot by the other tab's never gets an answer: ask again.
  if (tr.requested_id > tr.answered_id && worker_->idle())
    tr.requested = RequestKey{};
  if (key == tr.requested)
    return;
  key.trace = trace;
  ReconstructRequest request;
  request.id = st.next_request_id++;
  request.tag = compare ? kCompareTag : kExplorerTag;
  request.image = st.image;
  request.settings = key.settings;
  if (two_models)
    request.models = {ModelSlot::Main, ModelSlot::Second};
  request.trace = trace;
  worker_->reconstruct(std::move(request));
  tr.requested = std::move(key);
  tr.requested_id = st.next_request_id - 1;
  st.latency.sent.emplace_back(tr.requested_id, Clock::now());
  while (st.latency.sent.size() > 256)
    st.latency.sent.pop_front();
  sent_this_frame_ = true;
}

void App::draw_main_window() {
  UiState& st = state_;
  PanelContext ctx{st,       renderer_.get(),    explorer_textures_, compare_textures_,
                   preview_, training_previews_, sweep_plot_};
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_MenuBar |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus |
                                 ImGuiWindowFlags_NoBackground;
  ImGui::Begin("MAE Studio", nullptr, flags);
  draw_menu_bar(st);
  // A slide being presented may hide parts of the window.
  const Slide* slide = current_slide(st);
  const auto hidden = [&](const char* part) {
    return slide && std::find(slide->hide.begin(), slide->hide.end(), part) != slide->hide.end();
  };
  const float status_height =
      hidden("status") ? 0 : ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  const float sidebar = std::min(ImGui::GetFontSize() * 21.5f, vp->WorkSize.x * 0.3f);

  if (!hidden("sidebar")) {
    ImGui::BeginChild("sidebar", {sidebar, -status_height}, true);
    draw_controls_panel(ctx);
    st.sidebar_overflow = ImGui::GetScrollMaxY();
    st.sidebar_overflow_x = ImGui::GetScrollMaxX(); // > 0: a line cut off at the right edge
    ImGui::EndChild();
    ImGui::SameLine();
  }
  ImGui::BeginChild("main", {0, -status_height}, false);
  if (st.present.on)
    draw_slide_header();
  else
    draw_lesson_bar();
  if (hidden("tabs")) {
    for (const TabSpec& spec : kTabs)
      if (spec.tab == st.tab) {
        ImGui::BeginChild("content", {0, 0}, false,
                          ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
        spec.draw(ctx);
        ImGui::EndChild();
      }
    st.select_tab = true; // the tab bar, shown again, opens on this tab
  } else if (ImGui::BeginTabBar("tabs")) {
    for (const TabSpec& spec : kTabs) {
      const bool force = st.select_tab && st.tab == spec.tab;
      const bool shown =
          ImGui::BeginTabItem(spec.label, nullptr, force ? ImGuiTabItemFlags_SetSelected : 0);
      if (ImGui::IsItemHovered())
        wrapped_tooltip("%s", tab_summary(spec.tab));
      if (!shown)
        continue;
      // A programmatic switch takes effect a frame later; until then the
      // visible tab must not overwrite the requested one.
      if (!st.select_tab)
        st.tab = spec.tab;
      else if (st.tab == spec.tab)
        st.select_tab = false;
      ImGui::BeginChild("content", {0, 0}, false,
                        ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
      spec.draw(ctx);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  if (!hidden("status")) {
    ImGui::Separator();
    draw_status_bar(ctx);
  }
  ImGui::End();
}

void App::frame() {
  const Clock::time_point start = Clock::now();
  if (last_frame_start_ != Clock::time_point()) {
    const float ms = std::chrono::duration<float, std::milli>(start - last_frame_start_).count();
    state_.frame_ms = state_.frame_ms == 0 ? ms : 0.9f * state_.frame_ms + 0.1f * ms;
  }
  const double dt = last_frame_start_ == Clock::time_point()
                        ? 0.0
                        : std::chrono::duration<double>(start - last_frame_start_).count();
  last_frame_start_ = start;

  if (rescale_) {
    rescale_ = false;
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(window_, &sx, &sy);
    state_.monitor_scale = std::max(1.0f, sx);
  }
  if (effective_scale() != state_.ui_scale || fonts_text_scale_ != text_scale()) {
    apply_scale();
    if (state_.ui_scale_choice != settings_.ui_scale)
      save_user_settings(); // a choice made in the menu: kept even if the app dies
  }
  handle_worker_events();
  training_.poll(state_);
  poll_sweep();
  poll_fetch();
  for (const std::string& path : dropped_)
    state_.commands.push_back({Command::Kind::Open, path, ""});
  dropped_.clear();
  advance_play(state_, std::min(dt, 0.1));
  update_present(std::min(dt, 0.1));
  state_.worker_busy = worker_->busy();

  explorer_textures_.sync(state_.explorer.shown);
  compare_textures_.sync(state_.compare.shown);
  if (state_.preview.get() != preview_uploaded_) {
    if (state_.preview)
      preview_.upload(*state_.preview);
    preview_uploaded_ = state_.preview.get();
  }
  training_previews_.sync(state_.training.session_id, state_.training.snapshot.get());
  sync_sweep_plot();

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  // Headless screenshots must not depend on where the X server's pointer is.
  if (options_.headless())
    ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  ImGui::NewFrame();
  if (renderer_)
    renderer_->new_frame();
  state_.panel_rects.clear();
  state_.popups.clear();
  handle_shortcuts(state_);
  draw_main_window();
  draw_help_window(state_);
  draw_model_details(state_);
  draw_get_models_dialog(state_);
  draw_file_browser(state_);
  draw_arch_dialog(state_);
  draw_stopping_dialog(state_);
  draw_error_popup(state_);
  run_commands();
  send_requests();
  ImGui::Render();

  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(window_, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  // The main window has no background of its own: clearing is far cheaper
  // than blending a window-sized quad on a software rasteriser.
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void App::present() {
  glfwSwapBuffers(window_);
  LatencyLog& log = state_.latency;
  if (!log.arrived_id)
    return;
  // The result that arrived this frame is on screen now.
  glFinish();
  const Clock::time_point now = Clock::now();
  for (const auto& [id, sent] : log.sent)
    if (id == log.arrived_id) {
      log.last_ms = std::chrono::duration<double, std::milli>(now - sent).count();
      log.samples.push_back(log.last_ms);
      if (log.samples.size() > 4096) // hours of "play": keep the recent half
        log.samples.erase(log.samples.begin(), log.samples.begin() + 2048);
    }
  while (!log.sent.empty() && log.sent.front().first <= log.arrived_id)
    log.sent.pop_front();
  log.arrived_id = 0;
}

int App::run() {
  start_loading();
  const int code = options_.headless() ? run_headless(*this, options_) : run_interactive();
  save_user_settings();
  return code;
}

void App::wait_events(double timeout_s) {
  if (timeout_s > 0)
    glfwWaitEventsTimeout(timeout_s);
  else
    glfwPollEvents();
}

bool App::window_closed() const {
  return glfwWindowShouldClose(window_);
}

void App::request_close() {
  glfwSetWindowShouldClose(window_, GLFW_TRUE);
}

void App::key_event(int key, bool down) {
  ImGui_ImplGlfw_KeyCallback(window_, key, 0, down ? GLFW_PRESS : GLFW_RELEASE, 0);
}

void App::framebuffer_size(int& width, int& height) const {
  glfwGetFramebufferSize(window_, &width, &height);
}

void App::wait_for_events() {
  if (state_.play.playing || extra_frames_ > 0) {
    glfwPollEvents();
    extra_frames_ = std::max(0, extra_frames_ - 1);
    return;
  }
  // Sleep until input, a worker result or a training snapshot (each posts an
  // empty GLFW event) arrives; while the worker computes, tick slowly so that
  // the status bar stays current.
  glfwWaitEventsTimeout(worker_->idle() ? 0.5 : 0.1);
  extra_frames_ = 2; // let hover and release states settle
}

int App::run_interactive() {
  while (!should_close()) {
    wait_for_events();
    frame();
    present();
  }
  return 0;
}

} // namespace mae::studio
