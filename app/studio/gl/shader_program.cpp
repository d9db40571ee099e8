#include "gl/shader_program.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>

namespace mae::studio {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ShaderError(path + ": cannot open shader file (is MAE_STUDIO_SHADERS right?)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// GL logs locate errors as "<string>:<line>" (Mesa) or "<string>(<line>)"
// (NVIDIA); the string number is our file index, so name the file instead.
std::string name_files_in_log(const std::string& log, const std::vector<std::string>& files) {
  std::istringstream in(log);
  std::ostringstream out;
  const std::regex where(R"(^(\d+)([:(]))");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, where)) {
      const size_t index = std::stoul(m[1].str());
      if (index < files.size())
        line = files[index] + m[2].str() + m.suffix().str();
    }
    out << "  " << line << "\n";
  }
  return out.str();
}

std::string join(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files)
    out += (out.empty() ? "" : " + ") + f;
  return out;
}

GLuint compile(GLenum stage, const std::string& dir, const std::vector<std::string>& files) {
  std::vector<std::string> sources, paths;
  for (size_t i = 0; i < files.size(); ++i) {
    paths.push_back((std::filesystem::path(dir) / files[i]).string());
    std::string text = read_text(paths.back());
    // Restart line numbers per file so that the log's numbers are the file's own.
    if (i > 0)
      text = "#line 1 " + std::to_string(i) + "\n" + text;
    sources.push_back(std::move(text));
  }
  std::vector<const char*> ptrs;
  for (const auto& s : sources)
    ptrs.push_back(s.c_str());
  const GLuint shader = glCreateShader(stage);
  glShaderSource(shader, static_cast<GLsizei>(ptrs.size()), ptrs.data(), nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok)
    return shader;
  GLint length = 0;
  glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
  std::string log(static_cast<size_t>(std::max(length, 1)), '\0');
  glGetShaderInfoLog(shader, length, nullptr, log.data());
  glDeleteShader(shader);
  throw ShaderError(join(paths) + ": " + (stage == GL_VERTEX_SHADER ? "vertex" : "fragment") +
                    " shader does not compile:\n" + name_files_in_log(log.c_str(), paths));
}

} // namespace

ShaderProgram ShaderProgram::load(const std::string& dir,
                                  const std::vector<std::string>& vertex_files,
                                  const std::vector<std::string>& fragment_files) {
  const GLuint vs = compile(GL_VERTEX_SHADER, dir, vertex_files);
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, dir, fragment_files);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  ShaderProgram p;
  p.id_ = glCreateProgram();
  glAttachShader(p.id_, vs);
  glAttachShader(p.id_, fs);
  glLinkProgram(p.id_);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = GL_FALSE;
  glGetProgramiv(p.id_, GL_LINK_STATUS, &ok);
  if (!ok) {
    GLint length = 0;
    glGetProgramiv(p.id_, GL_INFO_LOG_LENGTH, &length);
    std::string log(static_cast<size_t>(std::max(length, 1)), '\0');
    glGetProgramInfoLog(p.id_, length, nullptr, log.data());
    throw ShaderError(dir + "/{" + join(vertex_files) + ", " + join(fragment_files) +
                      "}: shaders do not link:\n  " + std::string(log.c_str()));
  }
  return p;
}

ShaderProgram::~ShaderProgram() {
  if (id_)
    glDeleteProgram(id_);
}

ShaderProgram::ShaderProgram(ShaderProgram&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

ShaderProgram& ShaderProgram::operator=(ShaderProgram&& other) noexcept {
  if (this != &other) {
    if (id_)
      glDeleteProgram(id_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

} // namespace mae::studio
