#include "train/linear_probe.h"

#include "base/errors.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/normalization_io.h"
#include "data/augment.h"
#include "data/data_loader.h"
#include "data/labelled_splits.h"
#include "eval/knn_probe.h"
#include "runtime/runtime.h"
#include "train/lr_schedule.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace mae {
namespace {

using Clock = std::chrono::steady_clock;

struct Stopped {}; // keep_going said no during feature extraction

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The official util/lars.py: weight matrices get their update scaled by
// trust * |w| / |g|; biases and norms are plain SGD with momentum.
class Lars {
public:
  explicit Lars(std::vector<torch::Tensor> params) : params_(std::move(params)) {
    for (const auto& p : params_)
      momentum_.push_back(torch::zeros_like(p));
  }
  void step(double lr) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
      auto& p = params_[i];
      auto d = p.grad();
      if (!d.defined())
        continue;
      if (p.dim() > 1) {
        const auto pn = p.norm(), dn = d.norm();
        const auto one = torch::ones_like(pn);
        d = d * torch::where(pn > 0, torch::where(dn > 0, kTrust * pn / dn, one), one);
      }
      momentum_[i].mul_(kMomentum).add_(d);
      p.detach().add_(momentum_[i], -lr);
    }
  }
  void zero_grad() {
    for (auto& p : params_)
      if (p.grad().defined())
        p.mutable_grad().zero_();
  }

private:
  static constexpr double kTrust = 0.001, kMomentum = 0.9;
  std::vector<torch::Tensor> params_, momentum_;
};

std::vector<size_t> subset(const ImageDataset& data, size_t max, uint64_t seed, uint64_t which) {
  SeededRng rng(seed, RngStream::Probe, which);
  return sorted_subset(data.size(), max, rng);
}

double accuracy(torch::nn::Sequential& head, const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  head->eval();
  return head->forward(x).argmax(1).eq(y).to(torch::kFloat64).mean().item<double>();
}

} // namespace

LinearProbeResult run_linear_probe(const std::string& model_path, const LoadOptions& load,
                                   const LinearProbeOptions& o) {
  if (o.epochs <= 0 || !(o.blr > 0))
    throw UsageError("epochs and blr must be positive");
  // The head's BatchNorm normalises over the batch: one image has no spread.
  if (o.batch_size < 2)
    throw UsageError("the probe's batch size must be at least 2 (its BatchNorm normalises over "
                     "the batch), got " +
                     std::to_string(o.batch_size));
  const auto log = [&](const std::string& s) {
    if (o.log)
      o.log(s);
  };
  const torch::Device device = resolve_device(o.device);
  LoadedModel loaded = load_model_to_measure(model_path, load, "a linear probe",
                                             [&](const std::string& n) { log("note: " + n); });
  loaded.model->to(device);
  const Normalization norm =
      normalization_from_metadata(loaded.metadata, loaded.model->config().in_chans);

  const auto [train, test] = open_labelled_splits(o.data, "a linear probe");
  const auto train_idx = subset(*train, o.max_train, o.seed, 10);
  const auto test_idx = subset(*test, o.max_test, o.seed, 11);
  if (train_idx.size() < 2) // checked before minutes of feature extraction
    throw DataError("a linear probe needs at least 2 training images (its BatchNorm normalises "
                    "over a batch), got " +
                    std::to_string(train_idx.size()));
  if (!train_idx.empty())
    if (const std::string note =
            input_conversion_note(*train, train_idx.front(), loaded.model->config());
        !note.empty())
      log("note: " + note + "; an encoder pre-trained on other pictures may probe near chance");
  log("features: " + std::to_string(train_idx.size()) + " training and " +
      std::to_string(test_idx.size()) + " test images " +
      (o.raw_pixels                              ? "(raw pixels, no encoder)"
       : o.pooling == FeaturePooling::Cls        ? "(cls token, frozen encoder)"
       : o.pooling == FeaturePooling::ClsAndMean ? "(cls and mean patch tokens, frozen encoder)"
                                                 : "(mean patch token, frozen encoder)"));

  LinearProbeResult r;
  auto t0 = Clock::now();
  const bool bf16 = device.is_cuda();
  const auto features = [&](const ImageDataset& data, const std::vector<size_t>& idx,
                            const std::string& split) {
    const FeatureProgress progress = [&](size_t done, size_t total) {
      if (o.progress)
        o.progress(split, done, total);
      if (o.keep_going && !o.keep_going())
        throw Stopped{};
    };
    if (o.raw_pixels) {
      const ModelConfig& c = loaded.model->config();
      const NormalizationTensors n(norm, torch::TensorOptions().device(device));
      const auto pixels =
          n.apply(crop_resize(eval_batch(data, idx, false), c.img_size, c.in_chans, device));
      return pixels.flatten(1);
    }
    return encoder_features(loaded.model, data, idx, norm, o.pooling, device, bf16, 256, progress);
  };
  torch::Tensor x_train, x_test;
  try {
    x_train = features(*train, train_idx, "training");
    x_test = features(*test, test_idx, "test");
  } catch (const Stopped&) {
    r.stopped_early = true;
    return r;
  }
  const auto y_train = dataset_labels(*train, train_idx, device);
  const auto y_test = dataset_labels(*test, test_idx, device);
  r.feature_seconds = seconds_since(t0);
  r.train_count = x_train.size(0);
  r.test_count = x_test.size(0);
  r.feature_dim = x_train.size(1);
  r.num_classes = static_cast<int64_t>(train->classes().size());

  torch::manual_seed(o.seed);
  auto linear = torch::nn::Linear(r.feature_dim, r.num_classes);
  {
    torch::NoGradGuard no_grad;
    // timm's trunc_normal_(std=0.01): its bounds, +-2 absolute, cut nothing.
    linear->weight.normal_(0.0, 0.01);
    linear->bias.zero_();
  }
  torch::nn::Sequential head(
      torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(r.feature_dim).affine(false).eps(1e-6)),
      linear);
  head->to(device);
  Lars lars(head->parameters());

  const int64_t n = r.train_count, bs = std::min<int64_t>(o.batch_size, n);
  const int64_t steps_per_epoch = n / bs;
  LrSchedule schedule{o.blr * static_cast<double>(bs) / 256.0, 0.0,
                      std::min<int64_t>(o.warmup_epochs, std::max(1, o.epochs / 9)) *
                          steps_per_epoch,
                      int64_t{o.epochs} * steps_per_epoch};
  t0 = Clock::now();
  int64_t step = 0;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    if (o.keep_going && !o.keep_going()) {
      r.stopped_early = true;
      return r;
    }
    head->train();
    auto gen =
        at::make_generator<at::CPUGeneratorImpl>(derive_seed(o.seed, RngStream::DataOrder, epoch));
    const auto order = torch::randperm(n, gen, torch::kInt64).to(device);
    double loss_sum = 0;
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++step) {
      const auto idx = order.slice(0, b * bs, (b + 1) * bs);
      const auto loss = torch::nn::functional::cross_entropy(
          head->forward(x_train.index_select(0, idx)), y_train.index_select(0, idx));
      lars.zero_grad();
      loss.backward();
      lars.step(schedule.at(step));
      if (b + 1 == steps_per_epoch)
        loss_sum = loss.item<double>();
    }
    if ((epoch + 1) % 10 == 0 || epoch + 1 == o.epochs) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "epoch %d/%d: loss %.4f, test top-1 %.2f%%", epoch + 1,
                    o.epochs, loss_sum, 100.0 * accuracy(head, x_test, y_test));
      log(buf);
    }
  }
  r.train_seconds = seconds_since(t0);
  r.test_top1 = accuracy(head, x_test, y_test);
  r.train_top1 = accuracy(head, x_train, y_train);
  return r;
}

} // namespace mae
