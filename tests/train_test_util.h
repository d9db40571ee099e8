// Small synthetic datasets and configs for the training tests (torch-free).
#pragma once

#include "data/shards.h"
#include "tiny_models.h"

#include "model/model_config.h"
#include "runtime/seeded_rng.h"
#include "train/train_config.h"

#include <cmath>
#include <filesystem>
#include <string>

namespace mae::test {

inline std::string train_tmp(const std::string& name) {
  const auto dir = std::filesystem::path(MAE_TEST_TMP) / "train" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Class c of four: horizontal stripes, vertical stripes, a checkerboard, a
// diagonal ramp; random phase, contrast and size, so crops and masks matter.
inline Image synthetic_image(int index, int channels, int* label = nullptr) {
  SeededRng rng(1234, RngStream::Init, static_cast<uint64_t>(index));
  const int c = index % 4;
  const int w = 18 + static_cast<int>(rng.below(12)), h = 18 + static_cast<int>(rng.below(12));
  const double phase = rng.uniform(0, 6.28), contrast = rng.uniform(0.5, 1.0);
  Image img(w, h, channels);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double v = 0;
      if (c == 0)
        v = std::sin(y * 1.3 + phase);
      if (c == 1)
        v = std::sin(x * 1.3 + phase);
      if (c == 2)
        v = ((x / 3 + y / 3) % 2) ? 1 : -1;
      if (c == 3)
        v = (x + y) / static_cast<double>(w + h) * 2 - 1;
      for (int k = 0; k < channels; ++k)
        img.row(y)[x * channels + k] =
            static_cast<uint8_t>(127.5 + 127 * contrast * v * (k == 1 ? 0.8 : 1.0));
    }
  if (label)
    *label = c;
  return img;
}

inline void write_synthetic_shards(const std::string& dir, int count, int channels, bool labelled,
                                   size_t shard_bytes = 4096) {
  ShardWriter w(dir, channels, 18,
                labelled ? std::vector<std::string>{"hstripes", "vstripes", "checker", "ramp"}
                         : std::vector<std::string>{},
                shard_bytes);
  for (int i = 0; i < count; ++i) {
    int label = 0;
    const Image img = synthetic_image(i, channels, &label);
    w.add(img, labelled ? label : -1);
  }
  w.finish();
}

// A few-second run on synthetic shards.
inline TrainConfig tiny_train_config(const std::string& shard_dir, int channels = 1) {
  TrainConfig c;
  c.name = "tiny";
  c.model = tiny_model(channels);
  c.data.type = "shards";
  c.data.path = shard_dir;
  c.normalization = Normalization::imagenet(channels);
  c.batch_size = 8;
  c.accum_iter = 2;
  c.blr = 0.05; // lr 3e-3 at effective batch 16
  c.warmup_steps = 2;
  c.total_steps = 6;
  c.log_every = 1;
  c.probe_bank_size = 32;
  c.probe_query_size = 16;
  c.probe_k = 5;
  c.seed = 3;
  c.num_workers = 2;
  return c;
}

} // namespace mae::test
