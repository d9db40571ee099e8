// Options every model-loading subcommand shares.
#pragma once

#include "args.h"
#include "output_file.h"

#include <string>
#include <vector>

#include "data/data_config.h"
#include "model/masking_types.h"
#include "model/model_info.h"

namespace mae::cli {

// The options a command shares with others, added after its own.
enum SharedOptions : unsigned {
  kThreads = 1,       // --threads
  kDevice = 2,        // --device, --attention, --fused-norm
  kModel = 4,         // --config, --arch (load_options)
  kNormalization = 8, // --mean, --std (apply_normalization_options)
  kFigure = 16,       // --ratio, --strategy, --seed, --panel-size (figure_options)
  kOutput = 32,       // --force (check_output_file)
};

// A figure's mask and panel size, checked.
struct FigureOptions {
  MaskSettings mask;
  int panel_size = 224;
};
FigureOptions figure_options(const Args& args);

// Adds the shared options, parses, and applies the runtime ones (every binary
// must set the thread count: Debian's LibTorch starts with one). False when
// --help was printed: the command returns 0.
bool parse_command(Args& args, int argc, const char* const* argv,
                   unsigned shared = kThreads | kDevice);

LoadOptions load_options(const Args& args);

// --threads: 0 when not given; UsageError below 0 (the runtime refuses more
// than this machine takes, naming its cores).
int threads_option(const Args& args);

// --mean/--std "a,b,c" overrides, validated against the channel count.
void add_normalization_options(Args& args);
void apply_normalization_options(const Args& args, Normalization& n, int channels);

// An on|off option's value; UsageError naming it otherwise.
bool on_off(const Args& args, const std::string& option);

std::vector<float> parse_float_list(const std::string& text, const std::string& option);

// --data fmnist|folder|shards, --path, --val-path: labelled images and their
// held-out split (probe, finetune), checked.
void add_labelled_data_options(Args& args);
DataConfig labelled_data(const Args& args);

// Ctrl-C (or SIGTERM, SIGHUP) during long work: the first one sets
// interrupted() (the command stops after its current step and saves), a
// second one kills.
void catch_interrupt();
bool interrupted();
void release_interrupt(); // back to the default handler

} // namespace mae::cli
