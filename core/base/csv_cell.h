// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote
// or a line break (a picture named "a,b.jpg" made a row of five fields).
#pragma once

#include <string>

namespace mae {

std::string csv_cell(const std::string& text);

} // namespace mae
