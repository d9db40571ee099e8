// The files in a folder that a command did not write: a folder holding any is
// the user's (a home folder, a project), not to be written into unasked.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mae {

// The names in `dir` that `own` does not claim, sorted; none for a missing folder.
std::vector<std::string> foreign_files(const std::string& dir,
                                       const std::function<bool(const std::string&)>& own);

} // namespace mae
