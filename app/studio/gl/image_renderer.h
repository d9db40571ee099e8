// Draws panels with the shaders from shaders/ inside ImGui's draw lists: a
// draw is queued as an ImDrawList callback during the frame and runs when
// ImGui renders, in the same order as the surrounding widgets.
#pragma once

#include "gl/shader_program.h"
#include "gl/texture.h"
#include "image_view.h"

#include <imgui.h>

#include <deque>
#include <string>

namespace mae::studio {

struct PanelImage {
  enum class Mode { Picture = 0, Heatmap = 1 };
  Mode mode = Mode::Picture;
  const Texture* image = nullptr;  // Picture; also gives the size in Heatmap mode
  const Texture* mask = nullptr;   // grid_w x grid_h, for the tint
  const Texture* values = nullptr; // grid_w x grid_h, for the heatmap
  int grid_w = 1, grid_h = 1;
  bool grid = false;
  bool tint = false;
  float value_max = 1.0f;
  bool integer_zoom = false; // snap the scale to whole screen pixels per texel
};

class ImageRenderer {
public:
  // Throws ShaderError.
  explicit ImageRenderer(const std::string& shader_dir);
  ~ImageRenderer();
  ImageRenderer(const ImageRenderer&) = delete;
  ImageRenderer& operator=(const ImageRenderer&) = delete;

  // Forgets the previous frame's draws; call before building the frame.
  void new_frame() { jobs_.clear(); }

  // Queues `image` into the panel [min, max) (ImGui coordinates), showing the
  // part that `view` selects (`image.image` must be set). Returns the
  // picture's on-screen rectangle.
  DrawnRect draw(ImDrawList* list, ImVec2 min, ImVec2 max, const PanelImage& image,
                 const ImageView& view);

  // Screen pixels per texel at `view` for an image of w x h in a panel of
  // `panel` ImGui units: what zooming and panning need.
  static float scale_for(ImVec2 panel, int w, int h, const ImageView& view, bool integer_zoom);

private:
  struct Job {
    ImageRenderer* self;
    PanelImage image;
    float rect[4];   // framebuffer pixels
    float texels[4]; // texel coordinates at the corners
    float pixels_per_texel;
    bool nearest;
  };
  static void run_job(const ImDrawList* list, const ImDrawCmd* cmd);
  void render(const Job& job, const ImDrawCmd* cmd);

  ShaderProgram program_;
  GLuint vao_ = 0;
  struct Uniforms {
    GLint rect, viewport, texels, image, mask, values, mode, image_size, grid, nearest,
        pixels_per_texel, show_grid, tint, tint_color, value_max, background;
  } u_{};
  std::deque<Job> jobs_; // stable addresses: ImGui keeps pointers until it renders
};

} // namespace mae::studio
