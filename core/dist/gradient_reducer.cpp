#include "dist/gradient_reducer.h"

#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <chrono>
#include <functional>

namespace mae {

struct GradientReducer::State {
  struct Bucket {
    std::vector<size_t> params;
    size_t ready = 0;
    torch::Tensor flat;
    std::function<void()> wait; // set once started
  };
  DistGroup* group = nullptr;
  std::vector<torch::Tensor> params;
  std::vector<size_t> bucket_of; // per parameter
  std::vector<Bucket> buckets;
  std::vector<size_t> started; // bucket indices, in the order their sums began
  size_t started_in_backward = 0;
  bool armed = false;

  // The bucket's gradients, flat, summed over ranks in the background.
  void start(size_t b) {
    Bucket& bucket = buckets[b];
    std::vector<torch::Tensor> views;
    for (size_t p : bucket.params) {
      torch::Tensor& param = params[p];
      if (!param.grad().defined())
        param.mutable_grad() = torch::zeros_like(param);
      views.push_back(param.grad().reshape({-1}));
    }
    bucket.flat = torch::cat(views);
    bucket.wait = group->start_allreduce_sum(bucket.flat);
    started.push_back(b);
  }

  void on_ready(size_t p) {
    if (!armed)
      return;
    Bucket& bucket = buckets[bucket_of[p]];
    if (++bucket.ready == bucket.params.size())
      start(bucket_of[p]);
  }
};

GradientReducer::GradientReducer(DistGroup& group, std::vector<torch::Tensor> params,
                                 size_t bucket_bytes)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.group = &group;
  s.params = std::move(params);
  s.bucket_of.resize(s.params.size());
  size_t bytes = bucket_bytes; // start a bucket at the first parameter
  for (size_t k = s.params.size(); k-- > 0;) {
    const torch::Tensor& p = s.params[k];
    const size_t size = static_cast<size_t>(p.numel()) * p.element_size();
    const bool same_kind =
        !s.buckets.empty() &&
        s.params[s.buckets.back().params.front()].scalar_type() == p.scalar_type();
    if (bytes >= bucket_bytes || !same_kind) {
      s.buckets.emplace_back();
      bytes = 0;
    }
    s.buckets.back().params.push_back(k);
    s.bucket_of[k] = s.buckets.size() - 1;
    bytes += size;
  }
  // The hook outlives nothing: it holds the state weakly.
  const std::weak_ptr<State> weak = state_;
  for (size_t k = 0; k < s.params.size(); ++k) {
    std::shared_ptr<torch::autograd::Node> acc =
        torch::autograd::impl::grad_accumulator(s.params[k]);
    const uintptr_t key =
        acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
            [weak, k](const torch::autograd::variable_list& outputs,
                      const torch::autograd::variable_list&) {
              if (const auto state = weak.lock())
                state->on_ready(k);
              return outputs;
            }));
    hooks_.emplace_back(std::move(acc), key);
  }
}

GradientReducer::~GradientReducer() {
  for (auto& [node, key] : hooks_)
    node->del_post_hook(key);
}

void GradientReducer::arm() {
  for (auto& b : state_->buckets) {
    b.ready = 0;
    b.wait = nullptr;
  }
  state_->started.clear();
  state_->armed = true;
}

double GradientReducer::finish() {
  State& s = *state_;
  s.armed = false;
  s.started_in_backward = s.started.size();
  torch::NoGradGuard no_grad;
  // Buckets the backward did not complete (unused parameters), in a fixed order.
  for (size_t b = 0; b < s.buckets.size(); ++b)
    if (!s.buckets[b].wait)
      s.start(b);
  const auto t = std::chrono::steady_clock::now();
  const double world = s.group->world_size();
  for (size_t b : s.started) {
    State::Bucket& bucket = s.buckets[b];
    bucket.wait();
    bucket.flat.div_(world);
    int64_t offset = 0;
    for (size_t p : bucket.params) {
      torch::Tensor grad = s.params[p].grad();
      grad.copy_(bucket.flat.slice(0, offset, offset + grad.numel()).view_as(grad));
      offset += grad.numel();
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

size_t GradientReducer::buckets() const {
  return state_->buckets.size();
}

size_t GradientReducer::started_in_backward() const {
  return state_->started_in_backward;
}

} // namespace mae
