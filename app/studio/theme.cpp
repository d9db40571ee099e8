#include "theme.h"

#include <imgui.h>

#include <cmath>
#include <filesystem>

namespace mae::studio {
namespace {

// Debian's fonts-dejavu-core; ImGui's built-in bitmap font otherwise.
constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr float kFontPixels = 16.0f;

} // namespace

void apply_theme(float scale, float text_scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  std::error_code ec;
  if (std::filesystem::exists(kFont, ec)) {
    io.Fonts->AddFontFromFileTTF(kFont, std::round(kFontPixels * scale * text_scale));
  } else {
    ImFontConfig config;
    config.SizePixels = std::round(13.0f * scale * text_scale);
    io.Fonts->AddFontDefault(&config);
  }
  io.Fonts->Build();

  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.GrabRounding = 3.0f;
  style.PopupRounding = 4.0f;
  style.WindowPadding = {10, 10};
  style.FramePadding = {7, 4};
  style.ItemSpacing = {8, 6};
  style.Colors[ImGuiCol_WindowBg] = {0.11f, 0.115f, 0.125f, 1.0f};
  style.Colors[ImGuiCol_ChildBg] = {0.0f, 0.0f, 0.0f,
                                    0.0f}; // no overdraw: software GL pays per pixel
  style.Colors[ImGuiCol_PopupBg] = {0.16f, 0.165f, 0.18f, 0.98f};
  style.Colors[ImGuiCol_ModalWindowDimBg] = {0.0f, 0.0f, 0.0f, 0.55f};
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

} // namespace mae::studio
