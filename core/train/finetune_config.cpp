#include "train/finetune_config.h"

#include "base/config_json.h"

#include <nlohmann/json.hpp>

namespace mae {

void FinetuneConfig::validate() const {
  require_field(epochs > 0 && epochs <= 10000, "epochs", "must be in (0, 10000]");
  require_field(batch_size >= 1 && batch_size <= 65536, "batch_size", "must be in [1, 65536]");
  require_field(blr > 0 && blr < 10, "blr", "must be in (0, 10)");
  require_field(min_lr >= 0 && min_lr <= peak_lr(), "min_lr",
                "must be in [0, blr * batch_size / 256]");
  require_field(warmup_epochs >= 0 && warmup_epochs <= 10000, "warmup_epochs",
                "must be in [0, 10000] (a warmup longer than the run is cut to it)");
  require_field(layer_decay > 0 && layer_decay <= 1, "layer_decay", "must be in (0, 1]");
  require_field(weight_decay >= 0 && weight_decay < 10, "weight_decay", "must be in [0, 10)");
  require_field(label_smoothing >= 0 && label_smoothing < 1, "label_smoothing",
                "must be in [0, 1)");
  require_field(drop_path >= 0 && drop_path < 1, "drop_path", "must be in [0, 1)");
  require_field(last_blocks >= -1 && last_blocks <= 4096, "last_blocks",
                "must be -1 (every block) or a number of blocks");
  require_field(augment == "shift_flip" || augment == "none", "augment",
                "must be shift_flip or none");
  require_field(shift >= 0 && shift <= 64, "shift", "must be in [0, 64] pixels");
  require_field(max_train >= 0, "max_train", "must not be negative");
  require_field(max_test >= 0, "max_test", "must not be negative");
}

void to_json(nlohmann::json& j, const FinetuneConfig& c) {
  j = {{"epochs", c.epochs},
       {"batch_size", c.batch_size},
       {"blr", c.blr},
       {"min_lr", c.min_lr},
       {"warmup_epochs", c.warmup_epochs},
       {"layer_decay", c.layer_decay},
       {"weight_decay", c.weight_decay},
       {"label_smoothing", c.label_smoothing},
       {"drop_path", c.drop_path},
       {"last_blocks", c.last_blocks},
       {"augment", c.augment},
       {"shift", c.shift},
       {"max_train", c.max_train},
       {"max_test", c.max_test},
       {"seed", c.seed}};
}

void from_json(const nlohmann::json& j, FinetuneConfig& c) {
  check_known_fields(j, {"epochs", "batch_size", "blr", "min_lr", "warmup_epochs", "layer_decay",
                         "weight_decay", "label_smoothing", "drop_path", "last_blocks", "augment",
                         "shift", "max_train", "max_test", "seed"});
  read_field(j, "epochs", c.epochs);
  read_field(j, "batch_size", c.batch_size);
  read_field(j, "blr", c.blr);
  read_field(j, "min_lr", c.min_lr);
  read_field(j, "warmup_epochs", c.warmup_epochs);
  read_field(j, "layer_decay", c.layer_decay);
  read_field(j, "weight_decay", c.weight_decay);
  read_field(j, "label_smoothing", c.label_smoothing);
  read_field(j, "drop_path", c.drop_path);
  read_field(j, "last_blocks", c.last_blocks);
  read_field(j, "augment", c.augment);
  read_field(j, "shift", c.shift);
  read_field(j, "max_train", c.max_train);
  read_field(j, "max_test", c.max_test);
  read_field(j, "seed", c.seed);
}

} // namespace mae
