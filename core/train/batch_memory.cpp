#include "train/batch_memory.h"

#include "base/errors.h"
#include "model/memory_estimate.h"
#include "runtime/host_memory.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

namespace mae {

namespace {

// What one step of some work needs, in words for the refusal.
struct Work {
  const char* step;  // "one training step"
  const char* fixed; // what the fixed bytes are
  const char* one;   // "to train even one image at a time"
};

// Nothing when `batch` images fit in `available_bytes` (< 0: unknown), else
// the largest batch that fits, 0 when not even one does.
std::optional<int64_t> excess(const TrainMemory& m, int64_t batch, int64_t available_bytes) {
  if (available_bytes < 0 || m.total(batch) <= static_cast<double>(available_bytes))
    return std::nullopt;
  const double fits =
      std::floor((static_cast<double>(available_bytes) - m.fixed_bytes) / m.per_image_bytes);
  return fits < 1 ? 0 : static_cast<int64_t>(fits);
}

std::string model_too_large(const ModelConfig& model, const TrainMemory& m, int64_t available,
                            const Work& w) {
  return "config field 'model': this model (" + model.summary() + ") needs at least " +
         format_bytes(m.total(1)) + " " + w.one + " (" + format_bytes(m.fixed_bytes) + " " +
         w.fixed + ", " + format_bytes(m.per_image_bytes) + " of activations an image), and " +
         format_bytes(static_cast<double>(available)) +
         " of memory is available: choose a smaller model, or a machine with more memory";
}

std::string batch_too_large(const std::string& field, int64_t batch, int64_t fits,
                            const TrainMemory& m, int64_t available, const Work& w) {
  return field + ": " + std::to_string(batch) + " images need at least " +
         format_bytes(m.total(batch)) + " for " + w.step + " (" + format_bytes(m.per_image_bytes) +
         " of activations each, plus " + format_bytes(m.fixed_bytes) + " " + w.fixed + "), and " +
         format_bytes(static_cast<double>(available)) + " of memory is available; at most " +
         std::to_string(fits) + " fit";
}

} // namespace

void require_batch_fits(const TrainConfig& config, int64_t available_bytes,
                        const std::string& field) {
  constexpr Work kTrain{"one training step", "of weights and optimizer state",
                        "to train even one image at a time"};
  const TrainMemory m = mae_train_memory(config.model, config.model.mask_ratio);
  const std::optional<int64_t> fits = excess(m, config.batch_size, available_bytes);
  if (!fits)
    return;
  if (*fits == 0) // the model is what is too large, whatever the batch
    throw ConfigError(model_too_large(config.model, m, available_bytes, kTrain));
  std::string msg = batch_too_large(field, config.batch_size, *fits, m, available_bytes, kTrain);
  // A config can keep its effective batch; a flag (mae bench --batch) just asks for fewer.
  if (field.rfind("--", 0) != 0)
    msg += ": use batch_size " + std::to_string(*fits) + " with accum_iter " +
           std::to_string((config.batch_size + *fits - 1) / *fits) +
           " for the same effective batch";
  throw ConfigError(msg);
}

void require_forward_fits(const ModelConfig& model, int64_t batch, int64_t available_bytes,
                          const std::string& field) {
  constexpr Work kForward{"one forward pass", "of weights", "to run even one image at a time"};
  const TrainMemory m = mae_forward_memory(model, model.mask_ratio);
  const std::optional<int64_t> fits = excess(m, batch, available_bytes);
  if (!fits)
    return;
  if (*fits == 0)
    throw ConfigError(model_too_large(model, m, available_bytes, kForward));
  throw ConfigError(batch_too_large(field, batch, *fits, m, available_bytes, kForward));
}

} // namespace mae
