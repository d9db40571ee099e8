// GLSL programs loaded from shaders/ at start-up, so that the drawing code
// can be edited without recompiling. Compile and link errors name the file
// and carry GL's log.
#pragma once

#include "gl/gl.h"

#include "base/errors.h"

#include <string>
#include <vector>

namespace mae::studio {

class ShaderError : public Error {
public:
  using Error::Error;
};

class ShaderProgram {
public:
  // Each stage is the concatenation of its files in `dir` (the first holds
  // #version). Throws ShaderError.
  static ShaderProgram load(const std::string& dir, const std::vector<std::string>& vertex_files,
                            const std::vector<std::string>& fragment_files);

  ShaderProgram() = default;
  ~ShaderProgram();
  ShaderProgram(ShaderProgram&& other) noexcept;
  ShaderProgram& operator=(ShaderProgram&& other) noexcept;
  ShaderProgram(const ShaderProgram&) = delete;
  ShaderProgram& operator=(const ShaderProgram&) = delete;

  GLuint id() const { return id_; }
  // -1 when the uniform is absent or optimised away (setting it is then a no-op).
  GLint uniform(const char* name) const { return glGetUniformLocation(id_, name); }

private:
  GLuint id_ = 0;
};

} // namespace mae::studio
