// Non-learned ways to fill the removed patches, so that the GUI and
// `mae eval-recon` compare MAE against the same baselines and the same error.
//
// Every function takes the patch mask as MAE returns it: grid_h * grid_w
// bytes, row-major, 1 = removed, each patch `patch_size` pixels square. The
// image must be exactly (grid_w * patch_size) x (grid_h * patch_size);
// otherwise they throw ImageError.
#pragma once

#include "data/image.h"

#include <cstdint>
#include <vector>

namespace mae {

// OpenCV's Telea inpainting (cv::inpaint, INPAINT_TELEA) of the removed
// patches from the visible ones. Visible pixels are returned unchanged.
Image inpaint_telea(const Image& image, const std::vector<uint8_t>& mask, int grid_h, int grid_w,
                    int patch_size, double radius = 3.0);

// Removed patches filled with the mean colour of the visible pixels (mid-grey
// when nothing is visible): what a model that learnt nothing would predict.
Image fill_visible_mean(const Image& image, const std::vector<uint8_t>& mask, int grid_h,
                        int grid_w, int patch_size);

// Mean squared error over the removed pixels and all channels, in [0,1] pixel
// space, as ReconstructionResult::masked_mse; 0 when nothing is removed.
double masked_mse(const Image& a, const Image& b, const std::vector<uint8_t>& mask, int grid_h,
                  int grid_w, int patch_size);

} // namespace mae
