// Masking vocabulary shared by torch-free code (CLI parsing, GUI controls).
#pragma once

#include <cstdint>
#include <string>

namespace mae {

enum class MaskStrategy { Random, Block, Grid };

const char* to_string(MaskStrategy s);
// "random" | "block" | "grid"; throws UsageError otherwise.
MaskStrategy parse_mask_strategy(const std::string& name);

// Official len_keep = int(L * (1 - ratio)): every strategy removes exactly
// L - num_kept(L, ratio) patches.
int64_t num_kept(int64_t num_patches, double ratio);

} // namespace mae
