// GL textures for the pictures the panels show, uploaded once per result.
#pragma once

#include "gl/gl.h"

#include "data/image.h"

#include <cstdint>
#include <vector>

namespace mae::studio {

class Texture {
public:
  Texture() = default;
  ~Texture();
  Texture(Texture&& other) noexcept;
  Texture& operator=(Texture&& other) noexcept;
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // RGB, or grey shown as grey (the red channel swizzled to RGB).
  void upload(const Image& image);
  // One byte per texel, read as .r in [0,1] (masks).
  void upload_bytes(const std::vector<uint8_t>& values, int width, int height);
  // One float per texel, unnormalised (per-patch errors).
  void upload_floats(const std::vector<float>& values, int width, int height);

  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return id_ == 0; }

private:
  void allocate(GLint internal_format, GLenum format, GLenum type, int width, int height,
                const void* data, bool grey);

  GLuint id_ = 0;
  int width_ = 0, height_ = 0;
};

} // namespace mae::studio
