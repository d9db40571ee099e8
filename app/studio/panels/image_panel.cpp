#include "base/image_signature.h"
#include "panels/panels.h"

#include <algorithm>
#include <cmath>

namespace mae::studio {
namespace {

constexpr float kMaxZoom = 64.0f;

// Keeps the view's centre where the picture still covers the panel.
void clamp_view(ImageView& view) {
  view.zoom = std::clamp(view.zoom, 1.0f, kMaxZoom);
  const float half = 0.5f / view.zoom;
  view.cx = std::clamp(view.cx, half, 1.0f - half);
  view.cy = std::clamp(view.cy, half, 1.0f - half);
}

// One line centred over [x, x + width), shortened with "..." when too long,
// taking exactly `width`: panels stay aligned whatever their captions say.
// Returns what was shown.
std::string centred_text(const std::string& text, float x, float width) {
  const std::string shown = shortened(text, width);
  const float w = ImGui::CalcTextSize(shown.c_str()).x;
  const ImVec2 pos = {x + std::max(0.0f, (width - w) / 2), ImGui::GetCursorScreenPos().y};
  ImGui::GetWindowDrawList()->AddText(pos, ImGui::GetColorU32(ImGuiCol_Text), shown.c_str());
  ImGui::SetCursorScreenPos({x, pos.y});
  ImGui::Dummy({width, ImGui::GetTextLineHeight()});
  if (shown != text && ImGui::IsItemHovered())
    wrapped_tooltip("%s", text.c_str());
  return shown;
}

} // namespace

std::string shortened(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width)
    return text;
  std::string head = text;
  while (!head.empty() && ImGui::CalcTextSize((head + "...").c_str()).x > width)
    head.pop_back();
  return head + "...";
}

std::string fitting(const std::vector<std::string>& forms, float width) {
  for (const std::string& form : forms)
    if (ImGui::CalcTextSize(form.c_str()).x <= width)
      return form;
  return forms.empty() ? std::string() : forms.back();
}

int removed_count(const ReconstructionResult& r) {
  return static_cast<int>(
      std::count_if(r.mask.begin(), r.mask.end(), [](uint8_t m) { return m != 0; }));
}

float image_panel_extra_height(int caption_lines) {
  const ImGuiStyle& style = ImGui::GetStyle();
  return ImGui::GetTextLineHeight() + 2 * style.ItemSpacing.y +
         caption_lines * ImGui::GetTextLineHeightWithSpacing();
}

PanelHit image_panel(PanelContext& ctx, const char* name, const std::string& title,
                     const PanelImage& image, ImageView& view, float side,
                     const std::vector<std::string>& caption, bool drag_pans, float text_width) {
  ImGui::PushID(name);
  ImGui::BeginGroup();
  const float x = ImGui::GetCursorScreenPos().x;
  const float width = std::max(side, text_width);
  centred_text(title, x, width);
  ImGui::SetCursorScreenPos({x + std::floor((width - side) / 2), ImGui::GetCursorScreenPos().y});
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max = {min.x + side, min.y + side};
  // no tooltip: each caller shows what the pointer is over (a patch, its error)
  ImGui::InvisibleButton("view", {side, side});
  PanelHit hit;
  hit.min = min;
  hit.max = max;
  if (image.image && ctx.renderer) {
    const int w = image.image->width(), h = image.image->height();
    const ImGuiIO& io = ImGui::GetIO();
    // ImGui units per texel, before and after a zoom step.
    const auto units = [&] {
      return ImageRenderer::scale_for({side, side}, w, h, view, image.integer_zoom) /
             io.DisplayFramebufferScale.x;
    };
    const ImVec2 centre = {(min.x + max.x) / 2, (min.y + max.y) / 2};
    if (ImGui::IsItemHovered()) {
      const float s = units();
      const float fx = view.cx + (io.MousePos.x - centre.x) / (s * w);
      const float fy = view.cy + (io.MousePos.y - centre.y) / (s * h);
      if (fx >= 0 && fx < 1 && fy >= 0 && fy < 1)
        hit.texel = ImVec2(fx * w, fy * h);
      if (io.MouseWheel != 0) {
        // Zoom about the pointer: the image point under it stays put.
        view.zoom *= io.MouseWheel > 0 ? 1.25f : 0.8f;
        clamp_view(view);
        const float s2 = units();
        view.cx = fx - (io.MousePos.x - centre.x) / (s2 * w);
        view.cy = fy - (io.MousePos.y - centre.y) / (s2 * h);
      }
      if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
        view = ImageView{};
    }
    if (drag_pans && ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
      const float s = units();
      view.cx -= io.MouseDelta.x / (s * w);
      view.cy -= io.MouseDelta.y / (s * h);
    }
    clamp_view(view);
    const DrawnRect drawn = ctx.renderer->draw(ImGui::GetWindowDrawList(), min, max, image, view);
    ctx.state.panel_rects.push_back({name, drawn});
  } else {
    ImGui::GetWindowDrawList()->AddRectFilled(min, max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  }
  std::vector<std::string> shown;
  for (const auto& line : caption) {
    ImGui::SetCursorScreenPos({x, ImGui::GetCursorScreenPos().y});
    shown.push_back(centred_text(line, x, width));
  }
  if (image.image && ctx.renderer)
    ctx.state.panel_rects.back().caption = std::move(shown);
  ImGui::EndGroup();
  ImGui::PopID();
  return hit;
}

DrawnRect current_window_rect() {
  const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
  const ImVec2 pos = ImGui::GetWindowPos(), size = ImGui::GetWindowSize();
  DrawnRect r;
  r.x = static_cast<int>(pos.x * fb.x);
  r.y = static_cast<int>(pos.y * fb.y);
  r.w = static_cast<int>(size.x * fb.x);
  r.h = static_cast<int>(size.y * fb.y);
  return r;
}

bool explorer_ready(PanelContext& ctx) {
  const std::string waiting = waiting_reason(ctx.state, ctx.state.explorer);
  if (waiting.empty() && !ctx.explorer.items().empty())
    return true;
  centred_message(waiting.empty() ? "Uploading ..." : waiting);
  return false;
}

std::string waiting_reason(const UiState& st, const TabResults& results) {
  if (!st.model) {
    if (!st.loading_model.empty())
      return "Loading the model ...";
    return "No model loaded - drop a model file on the window: our .safetensors, a HuggingFace "
           "folder (config.json + model.safetensors) or an official facebookresearch/mae .pth. "
           "File > Open... browses for one.";
  }
  if (!st.image) {
    if (!st.loading_image.empty())
      return "Loading the image ...";
    return std::string("No image - drop a picture on the window (") + kImageFormatList +
           ") or use File > Open...";
  }
  if (!results.shown) {
    if (!st.reconstruct_error.empty())
      return "Reconstruction failed: " + st.reconstruct_error;
    return "Reconstructing ...";
  }
  return "";
}

void centred_message(const std::string& text) {
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, avail.x * 0.8f);
  const ImVec2 cursor = ImGui::GetCursorPos();
  ImGui::SetCursorPos({cursor.x + std::max(0.0f, (avail.x - size.x) / 2),
                       cursor.y + std::max(0.0f, (avail.y - size.y) / 2)});
  ImGui::PushTextWrapPos(ImGui::GetCursorPos().x + avail.x * 0.8f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
}

} // namespace mae::studio
