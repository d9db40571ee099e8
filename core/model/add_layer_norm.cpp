#include "model/add_layer_norm.h"

#include "base/errors.h"

#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <sstream>

#if MAE_WITH_CUDA_KERNELS
#include "cuda/add_layer_norm_kernels.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace mae {
namespace {

std::atomic<bool> fused_norm{false};

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct NormForward {
  torch::Tensor stream, normed, mean, rstd; // mean and rstd: [rows]
};

struct NormBackward {
  torch::Tensor d_x, d_delta, d_weight, d_bias;
};

int64_t width(const torch::Tensor& t) {
  return t.size(-1);
}

bool kernels_apply(const torch::Tensor& x, const torch::Tensor& delta,
                   const torch::Tensor& weight) {
#if MAE_WITH_CUDA_KERNELS
  return x.is_cuda() && x.scalar_type() == torch::kFloat32 &&
         delta.scalar_type() == torch::kBFloat16 && weight.scalar_type() == torch::kFloat32 &&
         x.sizes() == delta.sizes() && width(x) <= cuda::kMaxNormCols;
#else
  (void)x, (void)delta, (void)weight;
  return false;
#endif
}

// The formulas the kernels implement, in ATen ops: any device and dtype.
NormForward forward_reference(const torch::Tensor& x, const torch::Tensor& delta,
                              const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  auto stream = x + delta;
  auto rows = stream.reshape({-1, width(x)});
  auto mean = rows.mean(1);
  auto centred = rows - mean.unsqueeze(1);
  auto rstd = (centred.pow(2).mean(1) + eps).rsqrt();
  auto normed = (centred * rstd.unsqueeze(1) * weight + bias).to(delta.scalar_type());
  return {stream, normed.view(x.sizes()), mean, rstd};
}

// d_stream_total = rstd * (g - mean(g) - xhat * mean(g * xhat)) + d_stream,
// with g = d_normed * weight.
NormBackward backward_reference(const torch::Tensor& d_normed, const torch::Tensor& d_stream,
                                const torch::Tensor& stream, const torch::Tensor& mean,
                                const torch::Tensor& rstd, const torch::Tensor& weight,
                                torch::ScalarType delta_type) {
  const int64_t C = width(stream);
  auto xhat = (stream.reshape({-1, C}) - mean.unsqueeze(1)) * rstd.unsqueeze(1);
  auto dy = d_normed.reshape({-1, C}).to(stream.scalar_type());
  auto g = dy * weight;
  auto dx = rstd.unsqueeze(1) * (g - g.mean(1, true) - xhat * (g * xhat).mean(1, true));
  if (d_stream.defined())
    dx = dx + d_stream.reshape({-1, C});
  dx = dx.view(stream.sizes());
  return {dx, dx.to(delta_type), (dy * xhat).sum(0), dy.sum(0)};
}

#if MAE_WITH_CUDA_KERNELS
const std::uint16_t* bf16_data(const torch::Tensor& t) {
  return reinterpret_cast<const std::uint16_t*>(t.data_ptr());
}

std::uint16_t* bf16_data(torch::Tensor& t) {
  return reinterpret_cast<std::uint16_t*>(t.data_ptr());
}

NormForward forward_kernels(const torch::Tensor& x_in, const torch::Tensor& delta_in,
                            const torch::Tensor& weight_in, const torch::Tensor& bias_in,
                            double eps) {
  c10::cuda::CUDAGuard guard(x_in.device());
  const auto x = x_in.contiguous(), delta = delta_in.contiguous();
  const auto weight = weight_in.contiguous(), bias = bias_in.contiguous();
  const int64_t C = width(x), R = x.numel() / C;
  NormForward f;
  f.stream = torch::empty(x.sizes(), x.options());
  f.normed = torch::empty(x.sizes(), delta.options());
  f.mean = torch::empty({R}, x.options());
  f.rstd = torch::empty({R}, x.options());
  cuda::AddLayerNormForward args{
      x.data_ptr<float>(),      bf16_data(delta),           weight.data_ptr<float>(),
      bias.data_ptr<float>(),   static_cast<float>(eps),    R,
      static_cast<int>(C),      f.stream.data_ptr<float>(), bf16_data(f.normed),
      f.mean.data_ptr<float>(), f.rstd.data_ptr<float>()};
  cuda::add_layer_norm_forward(args, c10::cuda::getCurrentCUDAStream().stream());
  return f;
}

NormBackward backward_kernels(const torch::Tensor& d_normed_in, const torch::Tensor& d_stream_in,
                              const torch::Tensor& stream, const torch::Tensor& mean,
                              const torch::Tensor& rstd, const torch::Tensor& weight) {
  c10::cuda::CUDAGuard guard(stream.device());
  const auto d_normed = d_normed_in.to(torch::kBFloat16).contiguous();
  const auto d_stream =
      d_stream_in.defined() ? d_stream_in.to(torch::kFloat32).contiguous() : torch::Tensor();
  const int64_t C = width(stream), R = stream.numel() / C;
  NormBackward b;
  b.d_x = torch::empty(stream.sizes(), stream.options());
  b.d_delta = torch::empty(stream.sizes(), d_normed.options());
  const int partial_rows = cuda::add_layer_norm_partial_rows(R, static_cast<int>(C));
  auto partials = torch::empty({2, partial_rows, C}, stream.options());
  cuda::AddLayerNormBackward args{bf16_data(d_normed),
                                  d_stream.defined() ? d_stream.data_ptr<float>() : nullptr,
                                  stream.data_ptr<float>(),
                                  mean.data_ptr<float>(),
                                  rstd.data_ptr<float>(),
                                  weight.contiguous().data_ptr<float>(),
                                  R,
                                  static_cast<int>(C),
                                  b.d_x.data_ptr<float>(),
                                  bf16_data(b.d_delta),
                                  partials.data_ptr<float>()};
  cuda::add_layer_norm_backward(args, c10::cuda::getCurrentCUDAStream().stream());
  const auto sums = partials.sum(1);
  b.d_weight = sums[0];
  b.d_bias = sums[1];
  return b;
}
#else
// Unreachable: kernels_apply() is false in a build without the kernels.
NormForward forward_kernels(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                            const torch::Tensor&, double) {
  throw Error("this build has no CUDA kernels");
}

NormBackward backward_kernels(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                              const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  throw Error("this build has no CUDA kernels");
}
#endif

class AddLayerNormFunction : public torch::autograd::Function<AddLayerNormFunction> {
public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& delta, const torch::Tensor& weight,
                               const torch::Tensor& bias, double eps) {
    const bool kernels = kernels_apply(x, delta, weight);
    auto f = kernels ? forward_kernels(x, delta, weight, bias, eps)
                     : forward_reference(x, delta, weight, bias, eps);
    ctx->save_for_backward({f.stream, f.mean, f.rstd, weight});
    ctx->saved_data["kernels"] = kernels;
    ctx->saved_data["delta_type"] = static_cast<int64_t>(delta.scalar_type());
    // An unused stream (the last block's) gets no gradient rather than zeros.
    ctx->set_materialize_grads(false);
    return {f.stream, f.normed};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& d_stream = grads[0];
    const auto& d_normed = grads[1];
    const auto delta_type = static_cast<torch::ScalarType>(ctx->saved_data["delta_type"].toInt());
    if (!d_normed.defined()) {
      if (!d_stream.defined())
        return {torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
      return {d_stream, d_stream.to(delta_type), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
    auto b = ctx->saved_data["kernels"].toBool()
                 ? backward_kernels(d_normed, d_stream, saved[0], saved[1], saved[2], saved[3])
                 : backward_reference(d_normed, d_stream, saved[0], saved[1], saved[2], saved[3],
                                      delta_type);
    return {b.d_x, b.d_delta, b.d_weight, b.d_bias, torch::Tensor()};
  }
};

// Smooth deterministic inputs: no draw from the global generator, which
// seeded training runs rely on.
torch::Tensor wave(int64_t rows, int64_t cols, double freq, double phase, double scale,
                   double offset) {
  return torch::arange(rows * cols, torch::kFloat32)
      .mul(freq)
      .add(phase)
      .sin()
      .mul(scale)
      .add(offset)
      .view({rows, cols});
}

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  const auto g = got.to(torch::kCPU, torch::kFloat32), w = want.to(torch::kCPU, torch::kFloat32);
  const double scale = w.abs().max().item<double>();
  return (g - w).abs().max().item<double>() / std::max(scale, 1e-12);
}

void check_shape(const c10::Device& device, int64_t rows, int64_t cols) {
  const auto on = [&](torch::Tensor t, torch::ScalarType type) {
    return t.to(device, type).detach().requires_grad_(true);
  };
  const auto x = on(wave(rows, cols, 0.37, 0.0, 2.0, 0.5), torch::kFloat32);
  const auto delta = on(wave(rows, cols, 0.11, 1.0, 1.0, 0.0), torch::kBFloat16);
  const auto weight = on(wave(1, cols, 0.7, 0.3, 0.5, 1.0).view({cols}), torch::kFloat32);
  const auto bias = on(wave(1, cols, 0.3, 2.0, 0.1, 0.0).view({cols}), torch::kFloat32);
  const auto up_normed = wave(rows, cols, 1.3, 0.5, 1.0, 0.0).to(device);
  const auto up_stream = wave(rows, cols, 0.9, 2.5, 0.3, 0.0).to(device);
  const double eps = 1e-6;
  const auto loss = [&](const Residual& r) {
    return (r.normed.to(torch::kFloat32) * up_normed).sum() + (r.stream * up_stream).sum();
  };

  const auto fused = add_layer_norm_fused(x, delta, weight, bias, eps);
  const auto fused_grads = torch::autograd::grad({loss(fused)}, {x, delta, weight, bias});
  Residual aten;
  aten.stream = x + delta;
  aten.normed = torch::layer_norm(aten.stream, {cols}, weight, bias, eps).to(torch::kBFloat16);
  const auto aten_grads = torch::autograd::grad({loss(aten)}, {x, delta, weight, bias});

  // bfloat16 results may differ by one rounding step at the largest value.
  const struct {
    const char* name;
    torch::Tensor got, want;
    double tolerance;
  } checks[] = {{"stream", fused.stream, aten.stream, 1e-6},
                {"normed", fused.normed, aten.normed, 1.0 / 64},
                {"x gradient", fused_grads[0], aten_grads[0], 1e-3},
                {"delta gradient", fused_grads[1], aten_grads[1], 1.0 / 64},
                {"weight gradient", fused_grads[2], aten_grads[2], 1e-3},
                {"bias gradient", fused_grads[3], aten_grads[3], 1e-3}};
  for (const auto& c : checks) {
    const double error = relative_error(c.got, c.want);
    if (!(error <= c.tolerance)) {
      std::ostringstream msg;
      msg << "fused LayerNorm disagrees with ATen on " << rows << " x " << cols
          << " rows: " << c.name << " off by " << error << " of its largest value (tolerance "
          << c.tolerance << "); run without --fused-norm";
      throw Error(msg.str());
    }
  }
}

} // namespace

Residual add_layer_norm_fused(const torch::Tensor& x, const torch::Tensor& delta,
                              const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  if (!delta.defined() || x.sizes() != delta.sizes() || x.dim() < 1 ||
      weight.sizes() != torch::IntArrayRef{width(x)} || bias.sizes() != weight.sizes())
    throw UsageError("add_layer_norm_fused: x and delta must have one shape, and weight and bias "
                     "the width of its last axis");
  auto out = AddLayerNormFunction::apply(x, delta, weight, bias, eps);
  return {out[0], out[1]};
}

Residual add_layer_norm(const torch::Tensor& x, const torch::Tensor& delta,
                        torch::nn::LayerNorm norm) {
  if (delta.defined() && fused_norm.load() && kernels_apply(x, delta, norm->weight))
    return add_layer_norm_fused(x, delta, norm->weight, norm->bias, norm->options.eps());
  auto stream = delta.defined() ? x + delta : x;
  return {stream, norm(stream)};
}

void set_fused_norm(bool on) {
  fused_norm = on;
}

bool fused_norm_kernels_built() {
#if MAE_WITH_CUDA_KERNELS
  return true;
#else
  return false;
#endif
}

void check_fused_norm(const c10::Device& device) {
  torch::AutoGradMode grad_on(true);
  // On CUDA, 20011 rows give every warp several rows at each width.
  const std::vector<int64_t> row_counts = device.is_cuda()
                                              ? std::vector<int64_t>{1, 77, 4099, 20011}
                                              : std::vector<int64_t>{1, 77, 1500};
  for (const int64_t cols : {64, 200, 512, 768, 1024, 1280})
    for (const int64_t rows : row_counts)
      check_shape(device, rows, cols);
}

} // namespace mae
