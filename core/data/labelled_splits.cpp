#include "data/labelled_splits.h"

#include "base/errors.h"
#include "base/name_list.h"

#include <algorithm>
#include <iterator>

namespace mae {
namespace {

// The names of `a` that `b` lacks.
std::vector<std::string> missing_from(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

} // namespace

std::string class_mismatch(const ImageDataset& train, const ImageDataset& test) {
  if (train.classes() == test.classes())
    return "";
  const auto only_train = missing_from(train.classes(), test.classes());
  const auto only_test = missing_from(test.classes(), train.classes());
  std::string what;
  if (!only_train.empty())
    what = "classes only in training: " + short_name_list(only_train);
  if (!only_test.empty())
    what += (what.empty() ? "" : "; ") + std::string("classes only held out: ") +
            short_name_list(only_test);
  if (what.empty())
    what = "the same classes in another order";
  return "the held-out images' classes are not the training images' (" + what + ")";
}

LabelledSplits open_labelled_splits(const DataConfig& data, const std::string& use) {
  LabelledSplits s{open_dataset(data), open_held_out_dataset(data)};
  if (!s.train->labelled())
    throw DataError(s.train->describe() + " has no labels: " + use + " needs classes");
  if (!s.test || !s.test->labelled())
    throw DataError(use + " reports accuracy on a labelled held-out split (Fashion-MNIST's test " +
                    "set, or data val_path)");
  if (const std::string why = class_mismatch(*s.train, *s.test); !why.empty())
    throw DataError(why + ": " + use + " would score one class's label as another's");
  return s;
}

} // namespace mae
