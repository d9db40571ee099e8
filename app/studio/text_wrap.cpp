#include "text_wrap.h"

#include <sstream>

namespace mae::studio {
namespace {

// One paragraph (no '\n') wrapped greedily.
std::string wrap_paragraph(const std::string& paragraph, float width,
                           const std::function<float(const std::string&)>& width_of) {
  std::istringstream words(paragraph);
  std::string out, line, word;
  while (words >> word) {
    const std::string longer = line.empty() ? word : line + " " + word;
    if (line.empty() || width_of(longer) <= width) {
      line = longer;
      continue;
    }
    out += line + "\n";
    line = word;
  }
  return out + line;
}

} // namespace

std::string word_wrapped(const std::string& text, float width,
                         const std::function<float(const std::string&)>& width_of) {
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find('\n', start);
    out += wrap_paragraph(text.substr(start, end - start), width, width_of);
    if (end == std::string::npos)
      return out;
    out += '\n';
    start = end + 1;
  }
}

} // namespace mae::studio
