// Word wrapping that breaks lines only at spaces. ImGui's own wrapping also
// breaks after '.' and ',', which split "0.75" into "0." and "75" in a narrow
// sidebar; numbers and paths stay whole here.
#pragma once

#include <functional>
#include <string>

namespace mae::studio {

// `text` with '\n' at spaces so that each line is at most `width` as measured
// by `width_of` (a word wider than that gets a line of its own). Newlines in
// `text` are kept.
std::string word_wrapped(const std::string& text, float width,
                         const std::function<float(const std::string&)>& width_of);

} // namespace mae::studio
