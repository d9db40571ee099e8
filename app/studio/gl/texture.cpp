#include "gl/texture.h"

#include <utility>

namespace mae::studio {

Texture::~Texture() {
  if (id_)
    glDeleteTextures(1, &id_);
}

Texture::Texture(Texture&& other) noexcept
    : id_(std::exchange(other.id_, 0)), width_(other.width_), height_(other.height_) {}

Texture& Texture::operator=(Texture&& other) noexcept {
  if (this != &other) {
    if (id_)
      glDeleteTextures(1, &id_);
    id_ = std::exchange(other.id_, 0);
    width_ = other.width_;
    height_ = other.height_;
  }
  return *this;
}

void Texture::allocate(GLint internal_format, GLenum format, GLenum type, int width, int height,
                       const void* data, bool grey) {
  if (!id_)
    glGenTextures(1, &id_);
  glBindTexture(GL_TEXTURE_2D, id_);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  const GLint swizzle[4] = {GL_RED, grey ? GL_RED : GL_GREEN, grey ? GL_RED : GL_BLUE, GL_ONE};
  glTexParameteriv(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_RGBA, swizzle);
  // Rows of RGB and single-byte images are not 4-byte aligned.
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, type, data);
  width_ = width;
  height_ = height;
}

void Texture::upload(const Image& image) {
  if (image.channels == 1)
    allocate(GL_R8, GL_RED, GL_UNSIGNED_BYTE, image.width, image.height, image.pixels.data(), true);
  else
    allocate(GL_RGB8, GL_RGB, GL_UNSIGNED_BYTE, image.width, image.height, image.pixels.data(),
             false);
}

void Texture::upload_bytes(const std::vector<uint8_t>& values, int width, int height) {
  allocate(GL_R8, GL_RED, GL_UNSIGNED_BYTE, width, height, values.data(), false);
}

void Texture::upload_floats(const std::vector<float>& values, int width, int height) {
  allocate(GL_R32F, GL_RED, GL_FLOAT, width, height, values.data(), false);
}

} // namespace mae::studio
