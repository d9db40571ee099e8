// A batch that cannot fit in this machine's memory is refused before the
// model is built, with the largest batch that could, instead of a run that
// swaps for minutes and is then killed.
#pragma once

#include "train/train_config.h"

#include <cstdint>
#include <string>

namespace mae {

// Throws ConfigError naming `field` (the config's batch_size, or the flag that
// set it) when the config's training step needs
// more than `available_bytes` (< 0: unknown, nothing is checked). CPU only:
// a GPU's out-of-memory error is caught and reported where it happens.
void require_batch_fits(const TrainConfig& config, int64_t available_bytes,
                        const std::string& field = "config field 'batch_size'");

// The same for `batch` images through forward passes alone (inference).
void require_forward_fits(const ModelConfig& model, int64_t batch, int64_t available_bytes,
                          const std::string& field);

} // namespace mae
