// What data a run reads and how it is cropped and batched: the data layer's
// part of a training config, so that the loader needs no TrainConfig.
#pragma once

#include "model/masking_types.h"
#include "model/model_info.h"

#include <cstdint>
#include <string>

namespace mae {

struct DataConfig {
  std::string type = "fmnist"; // "fmnist" | "folder" | "shards" | "synthetic" (benchmarks)
  // fmnist: the directory of IDX .gz files (empty: the Debian package's);
  // folder: an image tree; shards: a `mae pack` output directory.
  std::string path;
  // Labelled held-out images for the k-NN probe's queries (folder/shards).
  // Fashion-MNIST uses its test split; without one, labelled data is split.
  std::string val_path;
  // synthetic: this many random RGB images of this side.
  int synthetic_count = 512;
  int synthetic_size = 256;

  bool operator==(const DataConfig& o) const {
    return type == o.type && path == o.path && val_path == o.val_path &&
           synthetic_count == o.synthetic_count && synthetic_size == o.synthetic_size;
  }
};

struct AugmentConfig {
  bool random_resized_crop = true;                     // false: the centred square, resized
  double min_scale = 0.2, max_scale = 1.0;             // fraction of the image area
  double min_ratio = 3.0 / 4.0, max_ratio = 4.0 / 3.0; // crop width / height
  bool hflip = true;

  // Throws ConfigError naming the field ("augment.min_scale").
  void validate() const;
  bool operator==(const AugmentConfig& o) const;
};

// What the training batches need of a run's config (TrainConfig::loader()).
struct LoaderConfig {
  int batch_size = 64; // images per micro-batch
  uint64_t seed = 0;   // crops, order and masks are pure functions of it
  AugmentConfig augment;
  MaskSettings mask; // strategy and ratio; each batch's mask seed derives from `seed`
  int num_workers = 2;
  int prefetch = 4;
  // The model's input: image side, channels, patch grid side, normalisation.
  int64_t img_size = 224, in_chans = 3, grid = 14;
  Normalization normalization;
  // Data-parallel ranks: micro-batch k of the run is world_size * batch_size
  // images, and rank r takes the r-th batch_size of them (its crops and mask
  // rows too), so the ranks together see exactly the single-process batch.
  int rank = 0, world_size = 1;
};

} // namespace mae
