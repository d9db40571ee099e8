// A data-parallel process group on PyTorch's own distributed layer (c10d):
// Gloo over TCP on the CPU, NCCL on CUDA where LibTorch has it. The
// collectives the trainer needs, as DDP uses them. Torch-free header.
#pragma once

#include "dist/dist_env.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace torch::nn {
class Module;
}

namespace mae {

// Whether this build has c10d with Gloo (Debian's LibTorch with libgloo-dev).
bool distributed_available();

class DistGroup {
public:
  // Joins the group: rank 0 serves the rendezvous store (unless torchrun's
  // agent does), every rank connects. Throws DistError: a port in use, a
  // master that cannot be reached within the timeout, a world-size mismatch.
  DistGroup(const DistEnv& env, const std::string& device_type);
  ~DistGroup();
  DistGroup(const DistGroup&) = delete;
  DistGroup& operator=(const DistGroup&) = delete;

  int rank() const;
  int world_size() const;
  const std::string& backend() const; // "gloo" or "nccl"

  // Rank 0's values into every rank's tensors, in place.
  void broadcast(std::vector<at::Tensor>& tensors);
  // The mean over ranks, in place, through flattened buckets of about
  // `bucket_bytes`. Returns the seconds spent in the collective.
  double allreduce_mean(std::vector<at::Tensor>& tensors, size_t bucket_bytes = 25u << 20);
  // Starts a sum over ranks of `flat`, in place, and returns at once: the
  // returned function waits for it (DistError when a rank is lost). Every
  // rank must start the same sums in the same order.
  std::function<void()> start_allreduce_sum(const at::Tensor& flat);
  // True when every rank says true (a stop on any rank stops them all).
  bool all_true(bool mine);
  void barrier();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

// Rank 0's parameters and buffers into every rank's module, as DDP starts.
void broadcast_module(DistGroup& group, torch::nn::Module& module);

} // namespace mae
