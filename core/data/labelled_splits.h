// The training and held-out images of work that reports an accuracy (a
// linear probe, fine-tuning, the k-NN probe during training): both must
// have labels, and the same classes, numbered alike.
#pragma once

#include "data/data_config.h"
#include "data/dataset.h"

#include <memory>
#include <string>

namespace mae {

struct LabelledSplits {
  std::unique_ptr<ImageDataset> train, test;
};

// Throws DataError naming `use` ("fine-tuning") when either split has no
// labels or their classes differ.
LabelledSplits open_labelled_splits(const DataConfig& data, const std::string& use);

// Empty when both number the same classes alike; else how they differ (a
// held-out folder missing a class numbers every class after it differently).
std::string class_mismatch(const ImageDataset& train, const ImageDataset& test);

} // namespace mae
