// Model > Get models...: the catalog and cache read when the dialog opens, one
// download at a time on the FetchWorker, the converted model opened when done.
#include "app.h"

#include "base/errors.h"

#include <GLFW/glfw3.h>

#include <filesystem>

namespace mae::studio {
namespace fs = std::filesystem;

namespace {

void refresh_cached(GetModelsUi& g) {
  g.cached.assign(g.catalog.size(), false);
  std::error_code ec;
  if (!g.cache_dir.empty())
    for (size_t i = 0; i < g.catalog.size(); ++i)
      g.cached[i] = fs::exists(cached_model_path(g.catalog[i], g.cache_dir), ec);
}

} // namespace

void App::open_get_models() {
  GetModelsUi& g = state_.get_models;
  g.open = true;
  g.error.clear();
  try {
    g.catalog = load_catalog(g.catalog_path.empty() ? default_catalog_path() : g.catalog_path);
    g.cache_dir = default_model_cache();
  } catch (const Error& e) {
    g.error = e.what();
  }
  refresh_cached(g);
}

void App::fetch_model_named(const std::string& name) {
  GetModelsUi& g = state_.get_models;
  if (g.catalog.empty())
    open_get_models();
  try {
    const CatalogEntry& entry = find_entry(g.catalog, name);
    if (!fetch_worker_)
      fetch_worker_ = std::make_unique<FetchWorker>([] { glfwPostEmptyEvent(); });
    fetch_worker_->start(entry, g.cache_dir);
    g.status = FetchStatus{FetchStatus::State::Running, name, "starting", {}, "", ""};
  } catch (const Error& e) {
    g.status = FetchStatus{FetchStatus::State::Failed, name, "", {}, "", e.what()};
  }
}

void App::poll_fetch() {
  if (!fetch_worker_)
    return;
  GetModelsUi& g = state_.get_models;
  for (FetchStatus& s : fetch_worker_->take_statuses()) {
    g.status = std::move(s);
    if (g.status.state == FetchStatus::State::Done) {
      refresh_cached(g);
      load_model(g.status.path, {}, ModelSlot::Main);
      state_.status = "fetched " + g.status.name + " into " + g.status.path;
    }
  }
}

} // namespace mae::studio
