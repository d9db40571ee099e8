#include "gl/image_renderer.h"

#include <algorithm>
#include <cmath>

namespace mae::studio {

ImageRenderer::ImageRenderer(const std::string& shader_dir)
    : program_(ShaderProgram::load(shader_dir, {"image.vert"}, {"image.frag", "colormap.glsl"})) {
  // Core profile draws need a vertex array even without attributes.
  glGenVertexArrays(1, &vao_);
  u_ = {program_.uniform("u_rect"),
        program_.uniform("u_viewport"),
        program_.uniform("u_texels"),
        program_.uniform("u_image"),
        program_.uniform("u_mask"),
        program_.uniform("u_values"),
        program_.uniform("u_mode"),
        program_.uniform("u_image_size"),
        program_.uniform("u_grid"),
        program_.uniform("u_nearest"),
        program_.uniform("u_pixels_per_texel"),
        program_.uniform("u_show_grid"),
        program_.uniform("u_tint"),
        program_.uniform("u_tint_color"),
        program_.uniform("u_value_max"),
        program_.uniform("u_background")};
}

ImageRenderer::~ImageRenderer() {
  if (vao_)
    glDeleteVertexArrays(1, &vao_);
}

float ImageRenderer::scale_for(ImVec2 panel, int w, int h, const ImageView& view,
                               bool integer_zoom) {
  const float fb = ImGui::GetIO().DisplayFramebufferScale.x;
  const float fit = std::min(panel.x * fb / std::max(w, 1), panel.y * fb / std::max(h, 1));
  float scale = fit * view.zoom;
  if (integer_zoom && scale >= 1.0f)
    scale = std::floor(scale);
  return std::max(scale, 1e-3f);
}

DrawnRect ImageRenderer::draw(ImDrawList* list, ImVec2 min, ImVec2 max, const PanelImage& image,
                              const ImageView& view) {
  const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
  // Whole framebuffer pixels, so texels and grid lines land on pixel edges.
  const float x0 = std::round(min.x * fb.x), y0 = std::round(min.y * fb.y);
  const float x1 = std::round(max.x * fb.x), y1 = std::round(max.y * fb.y);
  Job job{};
  job.self = this;
  job.image = image;
  job.rect[0] = x0, job.rect[1] = y0, job.rect[2] = x1, job.rect[3] = y1;
  const int w = image.image->width(), h = image.image->height();
  const float scale = scale_for({max.x - min.x, max.y - min.y}, w, h, view, image.integer_zoom);

  // Texel at the panel's centre, kept inside the image when zoomed in.
  const float half_w = (x1 - x0) / (2 * scale), half_h = (y1 - y0) / (2 * scale);
  float cx = view.cx * w, cy = view.cy * h;
  cx = half_w * 2 >= w ? w / 2.0f : std::clamp(cx, half_w, w - half_w);
  cy = half_h * 2 >= h ? h / 2.0f : std::clamp(cy, half_h, h - half_h);
  // Snap the origin so that texel edges fall on whole pixels when magnified.
  float tx0 = cx - half_w, ty0 = cy - half_h;
  if (scale >= 1.0f) {
    tx0 = std::round(tx0 * scale) / scale;
    ty0 = std::round(ty0 * scale) / scale;
  }
  job.texels[0] = tx0, job.texels[1] = ty0;
  job.texels[2] = tx0 + 2 * half_w, job.texels[3] = ty0 + 2 * half_h;
  job.pixels_per_texel = scale;
  job.nearest = scale >= 2.0f;
  jobs_.push_back(job);
  list->AddCallback(&ImageRenderer::run_job, &jobs_.back());
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);

  DrawnRect out;
  const float ix0 = std::max(x0, x0 + (0 - tx0) * scale),
              iy0 = std::max(y0, y0 + (0 - ty0) * scale);
  const float ix1 = std::min(x1, x0 + (w - tx0) * scale),
              iy1 = std::min(y1, y0 + (h - ty0) * scale);
  out.x = static_cast<int>(std::round(ix0));
  out.y = static_cast<int>(std::round(iy0));
  out.w = std::max(0, static_cast<int>(std::round(ix1)) - out.x);
  out.h = std::max(0, static_cast<int>(std::round(iy1)) - out.y);
  out.pixels_per_texel = scale;
  return out;
}

void ImageRenderer::run_job(const ImDrawList*, const ImDrawCmd* cmd) {
  const Job& job = *static_cast<const Job*>(cmd->UserCallbackData);
  job.self->render(job, cmd);
}

void ImageRenderer::render(const Job& job, const ImDrawCmd* cmd) {
  const ImDrawData* dd = ImGui::GetDrawData();
  const float fb_w = dd->DisplaySize.x * dd->FramebufferScale.x;
  const float fb_h = dd->DisplaySize.y * dd->FramebufferScale.y;
  // ImGui's backend leaves clipping to us in callbacks.
  const ImVec4 c = cmd->ClipRect;
  const float sx0 = (c.x - dd->DisplayPos.x) * dd->FramebufferScale.x;
  const float sy0 = (c.y - dd->DisplayPos.y) * dd->FramebufferScale.y;
  const float sx1 = (c.z - dd->DisplayPos.x) * dd->FramebufferScale.x;
  const float sy1 = (c.w - dd->DisplayPos.y) * dd->FramebufferScale.y;
  if (sx1 <= sx0 || sy1 <= sy0)
    return;
  glEnable(GL_SCISSOR_TEST);
  glScissor(static_cast<GLint>(sx0), static_cast<GLint>(fb_h - sy1),
            static_cast<GLsizei>(sx1 - sx0), static_cast<GLsizei>(sy1 - sy0));
  glViewport(0, 0, static_cast<GLsizei>(fb_w), static_cast<GLsizei>(fb_h));
  glDisable(GL_BLEND);

  const PanelImage& img = job.image;
  glUseProgram(program_.id());
  glUniform4f(u_.rect, job.rect[0], job.rect[1], job.rect[2], job.rect[3]);
  glUniform2f(u_.viewport, fb_w, fb_h);
  glUniform4f(u_.texels, job.texels[0], job.texels[1], job.texels[2], job.texels[3]);
  glUniform1i(u_.mode, static_cast<int>(img.mode));
  const float w = img.image ? static_cast<float>(img.image->width()) : 1.0f;
  const float h = img.image ? static_cast<float>(img.image->height()) : 1.0f;
  glUniform2f(u_.image_size, w, h);
  glUniform2f(u_.grid, static_cast<float>(img.grid_w), static_cast<float>(img.grid_h));
  glUniform1i(u_.nearest, job.nearest);
  glUniform1f(u_.pixels_per_texel, job.pixels_per_texel);
  glUniform1i(u_.show_grid, img.grid);
  glUniform1i(u_.tint, img.tint && img.mask);
  glUniform4f(u_.tint_color, 0.95f, 0.35f, 0.2f, 0.45f);
  glUniform1f(u_.value_max, img.value_max);
  const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_FrameBg);
  glUniform3f(u_.background, bg.x * 0.6f, bg.y * 0.6f, bg.z * 0.6f);

  const Texture* textures[3] = {img.image, img.mask, img.values};
  const GLint units[3] = {u_.image, u_.mask, u_.values};
  for (int i = 0; i < 3; ++i) {
    glActiveTexture(GL_TEXTURE0 + i);
    glBindTexture(GL_TEXTURE_2D, textures[i] ? textures[i]->id() : 0);
    glUniform1i(units[i], i);
  }
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  // ImGui's renderer binds its font atlas on unit 0 and assumes it is active.
  glActiveTexture(GL_TEXTURE0);
  glEnable(GL_BLEND);
}

} // namespace mae::studio
