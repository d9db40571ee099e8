// Whether an existing file is one mae or mae-studio wrote, by the mark each
// format carries: a figure made again replaces its old self without asking,
// while the user's own file of the same name is refused (without --force).
// Shared by the CLI's outputs and the app's headless ones. Torch-free.
#pragma once

#include <string>

namespace mae {

// The first line of eval-recon's --csv and of the app's training curves.
constexpr const char* kEvalReconCsvHeader = "image,mae,telea,mean_fill";
constexpr const char* kCurvesCsvHeader = "step,loss,lr,img_per_s,knn_accuracy,heldout_mse";
// The "format" metadata of forward's output tensors.
constexpr const char* kForwardFormat = "mae-forward";
// The app's JSON files (a saved view, a headless layout) say "format":
// "mae-studio ...".
constexpr const char* kStudioJsonFormatPrefix = "mae-studio";

// True when files named `path` (by its extension) carry mae's mark: PNG,
// safetensors, CSV, JSON, .mp4 and .avi do; traces and other files do not.
bool marks_its_files(const std::string& path);

// True when `path` is a regular file with mae's mark (a PNG or a video marked
// by png_mark or video_mark, a model or forward's tensors, one of the tables above, one of
// the app's JSON files). False otherwise, unreadable files included.
bool written_by_mae(const std::string& path);

// Throws UsageError when writing `path`, given as `option` ("--out"), would
// replace what is there without `force`: "--out holiday.png already exists and
// MAE Studio did not write it ...". Passes when nothing is there, not a regular file
// (the write itself refuses a folder or a device), or a file mae wrote, but a
// model that holds training (a train_step, or converted_from / fetched_from:
// another's training) or a read-only file.
void refuse_replacing(const std::string& option, const std::string& path, bool force);

} // namespace mae
