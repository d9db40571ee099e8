// Options every model-loading subcommand shares.
#pragma once

#include "args.h"

#include "mae/model_info.h"

namespace mae::cli {

// --config, --arch
void add_model_options(Args& args);
LoadOptions load_options(const Args& args);

// --threads, and --device unless `with_device` is false.
void add_runtime_options(Args& args, bool with_device = true);
// Sets the thread count (every binary must: Debian's LibTorch starts with one).
void apply_runtime_options(const Args& args);

// --mean/--std "a,b,c" overrides, validated against the channel count.
void add_normalization_options(Args& args);
void apply_normalization_options(const Args& args, Normalization& n, int channels);

std::vector<float> parse_float_list(const std::string& text, const std::string& option);

} // namespace mae::cli
