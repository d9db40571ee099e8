// A lesson: slides that each set a view (on top of the slide before) and say
// something about it, for a class; a slide may also open a sweep's results. A teacher writes one by
// saving views and adding a title and a few lines to each; Present mode (F5) steps through it. GL-
// and torch-free.
#pragma once

#include "view_state.h"

#include <string>
#include <vector>

namespace mae::studio {

struct Slide {
  std::string title;
  std::string text;
  ViewState view;                // model and picture: the lesson's unless the slide names others
  std::vector<std::string> hide; // while presenting: "sidebar", "tabs", "status"
  std::string sweep; // a sweep the Experiments tab opens for this slide (absolute), or ""
};

struct Lesson {
  std::string title;
  std::vector<Slide> slides;
};

// Reads and checks a lesson file; paths in it are relative to its folder.
// Throws ConfigError naming the file, the slide and the field.
Lesson read_lesson(const std::string& path);

// The slide Present mode shows, or nullptr (not presenting, no lesson).
const Slide* current_slide(const UiState& state);

// The lessons shipped in assets/lessons/, sorted.
std::vector<std::string> shipped_lessons();

// The lesson's title, for a menu; its file name when it has none or cannot be read.
std::string lesson_title(const std::string& path);

} // namespace mae::studio
