// Where a command may write a file: never over one of its inputs, only under
// a name for the format written, and over an existing file only when mae
// wrote it (a figure made again) or --force says so: the user's own picture
// that happens to share the name is not replaced without asking.
#pragma once

#include "args.h"
#include "data/written_by_mae.h" // kEvalReconCsvHeader, kForwardFormat

#include <string>
#include <vector>

namespace mae::cli {

// "<stem of input>_<what>.png" in the working folder: where a figure goes
// when no --out is given ("chelsea_attention.png").
std::string figure_name(const std::string& input, const std::string& what,
                        const std::string& extension = ".png");

// Adds --force (see check_output_file).
void add_force_option(Args& args);

// Refuses to write `out` (given as `option`) over one of the command's input
// files or into an input model folder: a slip of the keyboard must not
// destroy what the user had.
void refuse_overwriting_inputs(const std::string& option, const std::string& out,
                               const std::vector<std::string>& inputs);

// Refuses (UsageError) an output whose folder does not exist or is a file:
// said before the work, not after an hour of it (or as a library's trace).
void refuse_missing_folder(const std::string& option, const std::string& out);

// An output file's checks, for option `name` ("out"): refuse_missing_folder;
// refuse_overwriting_inputs;
// a name that does not end in one of `extensions` (".png"), since the format
// written does not follow the name (a figure sent to notes.txt would replace
// the notes with a PNG); then an existing file mae did not write, unless
// --force is given (core's refuse_replacing; add_force_option adds it).
void check_output_file(const Args& args, const std::string& name,
                       const std::vector<std::string>& extensions,
                       const std::vector<std::string>& inputs);

} // namespace mae::cli
