// DDP's overlap of communication with the backward pass: gradients averaged
// in buckets whose all-reduce starts as soon as the backward has produced
// every gradient of the bucket (a post hook on each parameter's gradient
// accumulator, as c10d's Reducer does), while the backward goes on with the
// earlier layers. Armed for the last micro-batch of a step only: accumulation
// micro-steps communicate nothing.
#pragma once

#include "dist/dist_group.h"

#include <torch/torch.h>

#include <memory>
#include <vector>

namespace mae {

class GradientReducer {
public:
  // `params`: the trained parameters, in the model's order; buckets of about
  // `bucket_bytes` are formed in reverse, the order the backward reaches them.
  GradientReducer(DistGroup& group, std::vector<torch::Tensor> params,
                  size_t bucket_bytes = 25u << 20);
  ~GradientReducer(); // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before the backward of a step's last micro-batch.
  void arm();
  // After it: starts the buckets the backward left (parameters without a
  // gradient count as zeros), waits for all, replaces each gradient by the
  // mean over ranks. Returns the seconds spent waiting.
  double finish();
  // Buckets in all, and how many of them began their sum during the last
  // step's backward (the overlap; the rest began in finish()).
  size_t buckets() const;
  size_t started_in_backward() const;

  struct State;

private:
  std::shared_ptr<State> state_;
  std::vector<std::pair<std::shared_ptr<torch::autograd::Node>, uintptr_t>> hooks_;
};

} // namespace mae
