#include "base/nearest_name.h"

#include <algorithm>
#include <cctype>

namespace mae {
namespace {

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Edit distance with a swap of two neighbours as one edit (optimal string
// alignment): "trian" is one edit from "train".
size_t typo_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t change = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + change});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

} // namespace

std::string nearest_name(const std::string& typed, const std::vector<std::string>& names) {
  // Short words are too easily one edit from another to guess.
  const size_t allowed = typed.size() < 3 ? 0 : typed.size() < 5 ? 1 : 2;
  const std::string t = lower(typed);
  std::string best;
  size_t best_distance = allowed + 1;
  for (const std::string& name : names) {
    if (name == typed)
      return ""; // not a typo
    const size_t d = typo_distance(t, lower(name));
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& typed, const std::vector<std::string>& names,
                         const std::string& quote) {
  const std::string name = nearest_name(typed, names);
  return name.empty() ? "" : " (did you mean " + quote + name + quote + "?)";
}

} // namespace mae
