#include "mask_controls.h"

#include <algorithm>
#include <cmath>

namespace mae::studio {

void set_ratio(UiState& state, double ratio) {
  state.mask.ratio =
      std::round(std::clamp(ratio, double(kMinRatio), double(kMaxRatio)) * 1000.0) / 1000.0;
}

void reroll_seed(UiState& state) {
  uint64_t z = state.mask.seed + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  // Six digits at most: a class can read one off the screen and type it back.
  const uint64_t seed = (z ^ (z >> 31)) % kMaxRerolledSeed;
  state.mask.seed = seed == state.mask.seed ? (seed + 1) % kMaxRerolledSeed : seed;
}

double painted_ratio(const UiState& state) {
  // A painted mask holds one entry per patch of its grid.
  const auto patches = static_cast<int64_t>(state.mask.custom.size());
  return patches == 0 ? state.mask.ratio : state.mask.applied_ratio(1, patches);
}

bool second_model_has_other_grid(const UiState& state) {
  return state.model && state.second_model &&
         state.second_model->config.num_patches() != state.model->config.num_patches();
}

namespace {

// "gray", "colour" (3 channels) or "4-channel".
std::string channels_name(int n) {
  return n == 1 ? "gray" : n == 3 ? "colour" : std::to_string(n) + "-channel";
}

} // namespace

std::string second_model_input_note(const UiState& state) {
  if (!state.model || !state.second_model)
    return "";
  const ModelConfig &a = state.model->config, &b = state.second_model->config;
  if (a.img_size == b.img_size && a.patch_size == b.patch_size && a.in_chans == b.in_chans)
    return "";
  const std::string size = std::to_string(b.img_size), grid = std::to_string(b.grid_size());
  // What is done to the picture for it (the inference worker converts the
  // picture on screen for each model), beyond what the main model sees.
  const int picture = state.image ? state.image->channels : a.in_chans;
  std::string seen;
  if (b.img_size != a.img_size)
    seen = "resized to " + size + " x " + size;
  if (b.in_chans == 1 && picture != 1)
    seen += (seen.empty() ? "" : " and ") + std::string("made gray");
  else if (b.in_chans != 1 && picture == 1)
    seen += (seen.empty() ? "" : " and ") + std::string("its gray repeated in ") +
            std::to_string(b.in_chans) + " channels";
  return "The second model takes " + size + " x " + size + " " + channels_name(b.in_chans) +
         " pictures in " + std::to_string(b.patch_size) + "-pixel patches: it sees this picture " +
         (seen.empty() ? "as the main model does" : seen) + ", on its own " + grid + " x " + grid +
         " grid and mask. Each MSE is on its own model's pixels: compare what each fills in, not "
         "the two numbers.";
}

void advance_play(UiState& state, double seconds) {
  if (state.mask.strategy == MaskStrategy::Custom) // no ratio to sweep
    state.play.playing = false;
  if (!state.play.playing)
    return;
  double r = state.mask.ratio + state.play.direction * state.play.speed * seconds;
  if (r >= kMaxRatio)
    r = kMaxRatio, state.play.direction = -1;
  if (r <= kMinRatio)
    r = kMinRatio, state.play.direction = 1;
  // Not rounded: small steps at high frame rates must still move.
  state.mask.ratio = r;
}

std::vector<uint8_t> shown_mask(const UiState& st) {
  if (!st.explorer.shown || st.explorer.shown->items.empty())
    return {};
  return st.explorer.shown->items.front().result.mask;
}

void start_custom_mask(UiState& st, const std::vector<uint8_t>& shown) {
  if (shown.empty())
    return;
  if (st.mask.custom.size() != shown.size())
    st.mask.custom = shown;
  st.mask.strategy = MaskStrategy::Custom;
}

bool paint_patch(UiState& st, int patch, bool removed) {
  std::vector<uint8_t>& m = st.mask.custom;
  if (patch < 0 || static_cast<size_t>(patch) >= m.size() || (m[patch] != 0) == removed)
    return false;
  if (removed && std::count(m.begin(), m.end(), uint8_t{0}) <= 1)
    return false;
  m[static_cast<size_t>(patch)] = removed ? 1 : 0;
  return true;
}

} // namespace mae::studio
