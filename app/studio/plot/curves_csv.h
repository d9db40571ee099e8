// The Training tab's curves as CSV, for spreadsheets and plotting scripts.
#pragma once

#include "train/training_session.h"

#include <string>

namespace mae::studio {

// Header step,loss,lr,img_per_s,knn_accuracy,heldout_mse, then one row per step that
// any curve has, in order; a value a step lacks is left empty. k-NN accuracy
// is a fraction, as in metrics.jsonl.
std::string curves_csv(const TrainingSnapshot& snapshot);

// Writes curves_csv atomically. Throws Error naming the file.
void write_curves_csv(const std::string& path, const TrainingSnapshot& snapshot);

} // namespace mae::studio
