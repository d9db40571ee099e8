#include "text_wrap.h"

#include <algorithm>

namespace mae::studio {
namespace {

// One paragraph (no '\n') wrapped greedily; the spaces between the words on
// a line are kept as they were ("5 / 8   title").
std::string wrap_paragraph(const std::string& paragraph, float width,
                           const std::function<float(const std::string&)>& width_of) {
  std::string out, line;
  size_t at = 0;
  while (at < paragraph.size()) {
    const size_t word_start = paragraph.find_first_not_of(' ', at);
    if (word_start == std::string::npos)
      break;
    size_t word_end = std::min(paragraph.find(' ', word_start), paragraph.size());
    // "75 %": a number and its per cent sign stay on one line.
    for (size_t next = paragraph.find_first_not_of(' ', word_end);
         next != std::string::npos && paragraph[next] == '%';
         next = paragraph.find_first_not_of(' ', word_end))
      word_end = std::min(paragraph.find(' ', next), paragraph.size());
    const std::string spaces = paragraph.substr(at, word_start - at);
    const std::string word = paragraph.substr(word_start, word_end - word_start);
    at = word_end;
    if (line.empty() || width_of(line + spaces + word) <= width) {
      line += (line.empty() ? "" : spaces) + word;
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
