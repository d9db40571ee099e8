#include "train/batch_memory.h"

#include "base/errors.h"
#include "model/memory_estimate.h"
#include "runtime/host_memory.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace mae {

void require_batch_fits(const TrainConfig& config, int64_t available_bytes,
                        const std::string& field) {
  if (available_bytes < 0)
    return;
  const TrainMemory m = mae_train_memory(config.model, config.model.mask_ratio);
  const double need = m.total(config.batch_size);
  const double available = static_cast<double>(available_bytes);
  if (need <= available)
    return;
  const double fits = std::floor((available - m.fixed_bytes) / m.per_image_bytes);
  if (fits < 1) // the model is what is too large, whatever the batch
    throw ConfigError("config field 'model': this model (" + config.model.summary() +
                      ") needs at least " + format_bytes(m.total(1)) +
                      " to train even one image at a time (" + format_bytes(m.fixed_bytes) +
                      " of weights and optimizer state, " + format_bytes(m.per_image_bytes) +
                      " of activations an image), and " + format_bytes(available) +
                      " of memory is available: choose a smaller model, or a machine with more "
                      "memory");
  std::string msg = field + ": " + std::to_string(config.batch_size) + " images need at least " +
                    format_bytes(need) + " for one training step (" +
                    format_bytes(m.per_image_bytes) + " of activations each, plus " +
                    format_bytes(m.fixed_bytes) + " of weights and optimizer state), and " +
                    format_bytes(available) + " of memory is available";
  const auto b = static_cast<int64_t>(fits);
  msg += "; at most " + std::to_string(b) + " fit";
  // A config can keep its effective batch; a flag (mae bench --batch) just asks for fewer.
  if (field.rfind("--", 0) != 0)
    msg += ": use batch_size " + std::to_string(b) + " with accum_iter " +
           std::to_string((config.batch_size + b - 1) / b) + " for the same effective batch";
  throw ConfigError(msg);
}

} // namespace mae
