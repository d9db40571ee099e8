#include "eval/knn_probe.h"

#include "data/augment.h"
#include "data/data_loader.h"
#include "runtime/autocast.h"

#include <torch/torch.h>

namespace mae {

namespace {

torch::Tensor pooled(const torch::Tensor& tokens, FeaturePooling pooling) {
  switch (pooling) {
  case FeaturePooling::Cls:
    return tokens.select(1, 0);
  case FeaturePooling::ClsAndMean:
    return torch::cat({tokens.select(1, 0), tokens.slice(1, 1).mean(1)}, 1);
  case FeaturePooling::MeanPatch:
    break;
  }
  return tokens.slice(1, 1).mean(1);
}

} // namespace

torch::Tensor encoder_features(MaskedAutoencoderViT& model, const ImageDataset& data,
                               const std::vector<size_t>& indices,
                               const Normalization& normalization, FeaturePooling pooling,
                               const torch::Device& device, bool bf16, int64_t batch_size,
                               const FeatureProgress& progress) {
  torch::NoGradGuard no_grad;
  // Restored on every way out: `progress` may throw to abandon the pass.
  struct EvalMode {
    MaskedAutoencoderViT& model;
    const bool was_training = model->is_training();
    ~EvalMode() { model->train(was_training); }
  } eval_mode{model};
  model->eval();
  const ModelConfig& c = model->config();
  std::vector<torch::Tensor> out;
  for (size_t start = 0; start < indices.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(indices.size(), start + static_cast<size_t>(batch_size));
    const std::vector<size_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(start),
                                    indices.begin() + static_cast<std::ptrdiff_t>(end));
    const HostBatch batch = eval_batch(data, chunk, device.is_cuda());
    const auto x = normalize(crop_resize(batch, c.img_size, c.in_chans, device), normalization);
    CudaAutocast autocast(device, bf16);
    const auto tokens = model->forward_features(x);
    out.push_back(pooled(tokens, pooling).to(torch::kFloat32));
    if (progress)
      progress(end, indices.size());
  }
  return torch::cat(out);
}

std::string input_conversion_note(const ImageDataset& data, size_t index, const ModelConfig& c) {
  const Image first = data.load(index);
  if (first.width == c.img_size && first.height == c.img_size && first.channels == c.in_chans)
    return "";
  const auto shape = [](int64_t w, int64_t h, int64_t channels) {
    return std::to_string(w) + " x " + std::to_string(h) + (channels == 1 ? " gray" : " RGB");
  };
  return "the pictures (" + shape(first.width, first.height, first.channels) +
         ") are not the model's input (" + shape(c.img_size, c.img_size, c.in_chans) +
         "): each is resized and centre-cropped" +
         (first.channels == c.in_chans ? std::string()
          : c.in_chans == 3            ? ", its gray repeated over 3 channels"
                                       : ", its colours made gray");
}

torch::Tensor dataset_labels(const ImageDataset& data, const std::vector<size_t>& indices,
                             const torch::Device& device) {
  std::vector<int64_t> labels;
  labels.reserve(indices.size());
  for (size_t i : indices)
    labels.push_back(data.label(i));
  return torch::tensor(labels, torch::kInt64).to(device);
}

double knn_accuracy(const torch::Tensor& bank, const torch::Tensor& bank_labels,
                    const torch::Tensor& queries, const torch::Tensor& query_labels,
                    int64_t num_classes, int64_t k, double temperature) {
  torch::NoGradGuard no_grad;
  namespace F = torch::nn::functional;
  const auto b = F::normalize(bank, F::NormalizeFuncOptions().dim(1));
  const auto q = F::normalize(queries, F::NormalizeFuncOptions().dim(1));
  k = std::min<int64_t>(k, b.size(0));
  int64_t correct = 0;
  // Chunks bound the [queries, bank] similarity matrix.
  for (int64_t start = 0; start < q.size(0); start += 1024) {
    const auto qc = q.slice(0, start, start + 1024);
    const auto [sim, idx] = qc.mm(b.t()).topk(k, 1);
    const auto weights = (sim / temperature).exp();
    auto votes = torch::zeros({qc.size(0), num_classes}, weights.options());
    votes.scatter_add_(1, bank_labels.index_select(0, idx.flatten()).view_as(idx), weights);
    const auto pred = votes.argmax(1);
    correct += pred.eq(query_labels.slice(0, start, start + 1024)).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(q.size(0));
}

} // namespace mae
