// The switch for add_layer_norm's CUDA kernels (--fused-norm) and the check
// that they agree with ATen, without torch headers for the CLI's option code.
#pragma once

namespace c10 {
struct Device;
}

namespace mae {

// Off by default; the setting is process-wide, like ATen's backend switches.
void set_fused_norm(bool on);
// Whether this build has the CUDA kernels (LibTorch with CUDA and nvcc).
bool fused_norm_kernels_built();

// Compares add_layer_norm_fused against ATen's add, LayerNorm and cast on
// inputs of several widths and row counts, forward and backward, on `device`.
// Throws mae::Error naming the shape and tensor that disagree.
void check_fused_norm(const c10::Device& device);

} // namespace mae
