// The --fused-norm kernels, compiled as C++ and run by the CPU-thread stand-in
// for CUDA in cuda_emulation/, against the formulas in double precision.
#include "cuda/add_layer_norm_kernels.cu"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace mae::cuda {
namespace {

std::uint16_t to_bf16(float f) {
  return __float2bfloat16_rn(f).bits;
}

float from_bf16(std::uint16_t bits) {
  return __bfloat162float({bits});
}

struct Case {
  std::int64_t rows = 0;
  int cols = 0;
  std::vector<float> x, weight, bias, d_sum;
  std::vector<std::uint16_t> delta, d_normed;
};

Case make_case(std::int64_t rows, int cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  const auto draw = [&](size_t n, float scale, float offset) {
    std::vector<float> v(n);
    for (auto& e : v)
      e = offset + scale * normal(rng);
    return v;
  };
  const auto draw_bf16 = [&](size_t n) {
    std::vector<std::uint16_t> v(n);
    for (auto& e : v)
      e = to_bf16(normal(rng));
    return v;
  };
  const auto n = static_cast<size_t>(rows) * static_cast<size_t>(cols);
  Case c;
  c.rows = rows;
  c.cols = cols;
  c.x = draw(n, 2.f, 0.5f);
  c.delta = draw_bf16(n);
  c.weight = draw(static_cast<size_t>(cols), 0.3f, 1.f);
  c.bias = draw(static_cast<size_t>(cols), 0.1f, 0.f);
  c.d_normed = draw_bf16(n);
  c.d_sum = draw(n, 0.5f, 0.f);
  return c;
}

struct Forward {
  std::vector<float> sum, mean, rstd;
  std::vector<std::uint16_t> normed;
};

Forward run_forward(const Case& c) {
  const auto n = c.x.size();
  Forward f{std::vector<float>(n), std::vector<float>(static_cast<size_t>(c.rows)),
            std::vector<float>(static_cast<size_t>(c.rows)), std::vector<std::uint16_t>(n)};
  add_layer_norm_forward({c.x.data(), c.delta.data(), c.weight.data(), c.bias.data(), 1e-6f, c.rows,
                          c.cols, f.sum.data(), f.normed.data(), f.mean.data(), f.rstd.data()},
                         nullptr);
  return f;
}

// Largest |got - want| over the largest |want|.
class Error {
public:
  void add(double got, double want) {
    diff_ = std::max(diff_, std::abs(got - want));
    scale_ = std::max(scale_, std::abs(want));
    if (!std::isfinite(got))
      diff_ = std::numeric_limits<double>::infinity();
  }
  double relative() const { return diff_ / std::max(scale_, 1e-30); }

private:
  double diff_ = 0, scale_ = 0;
};

// Widths with 4, 8, 16, 24, 32 and 40 columns per lane, two with a ragged
// last lane. The stand-in grid has 16 warps: one row leaves 15 idle, 37 rows
// give each warp two or three.
const int kWidths[] = {40, 200, 512, 768, 1000, 1280};
const std::int64_t kRows[] = {1, 37};

TEST(CudaKernels, AddLayerNormForwardIsAddThenLayerNorm) {
  unsigned seed = 0;
  for (const int cols : kWidths)
    for (const std::int64_t rows : kRows) {
      SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(cols));
      const Case c = make_case(rows, cols, ++seed);
      const Forward f = run_forward(c);
      Error sum, mean, rstd, normed;
      for (std::int64_t r = 0; r < rows; ++r) {
        const size_t base = static_cast<size_t>(r) * static_cast<size_t>(cols);
        std::vector<double> s(static_cast<size_t>(cols));
        double m = 0, var = 0;
        for (int k = 0; k < cols; ++k) {
          const float exact = c.x[base + k] + from_bf16(c.delta[base + k]);
          sum.add(f.sum[base + k], exact);
          s[k] = exact;
          m += exact / cols;
        }
        for (int k = 0; k < cols; ++k)
          var += (s[k] - m) * (s[k] - m) / cols;
        const double rs = 1.0 / std::sqrt(var + 1e-6);
        mean.add(f.mean[r], m);
        rstd.add(f.rstd[r], rs);
        for (int k = 0; k < cols; ++k)
          normed.add(from_bf16(f.normed[base + k]), (s[k] - m) * rs * c.weight[k] + c.bias[k]);
      }
      EXPECT_EQ(sum.relative(), 0.0);
      EXPECT_LT(mean.relative(), 1e-5);
      EXPECT_LT(rstd.relative(), 1e-5);
      EXPECT_LT(normed.relative(), 1.0 / 128); // one bf16 rounding step
    }
}

void check_backward(std::int64_t rows, int cols, bool with_d_sum, unsigned seed) {
  const Case c = make_case(rows, cols, seed);
  const Forward f = run_forward(c);
  const auto n = c.x.size();
  const int partial_rows = add_layer_norm_partial_rows(rows, cols);
  // NaN until written: a warp that skipped its row of partials shows.
  std::vector<float> d_x(n), partials(2 * static_cast<size_t>(partial_rows) * cols,
                                      std::numeric_limits<float>::quiet_NaN());
  std::vector<std::uint16_t> d_delta(n);
  add_layer_norm_backward({c.d_normed.data(), with_d_sum ? c.d_sum.data() : nullptr, f.sum.data(),
                           f.mean.data(), f.rstd.data(), c.weight.data(), rows, cols, d_x.data(),
                           d_delta.data(), partials.data()},
                          nullptr);

  std::vector<double> d_weight(static_cast<size_t>(cols)), d_bias(static_cast<size_t>(cols));
  Error dx, d_delta_error;
  for (std::int64_t r = 0; r < rows; ++r) {
    const size_t base = static_cast<size_t>(r) * static_cast<size_t>(cols);
    std::vector<double> xhat(static_cast<size_t>(cols)), g(static_cast<size_t>(cols));
    double mean_g = 0, mean_gx = 0;
    for (int k = 0; k < cols; ++k) {
      const double dy = from_bf16(c.d_normed[base + k]);
      xhat[k] = (f.sum[base + k] - double{f.mean[r]}) * f.rstd[r];
      g[k] = dy * c.weight[k];
      mean_g += g[k] / cols;
      mean_gx += g[k] * xhat[k] / cols;
      d_weight[k] += dy * xhat[k];
      d_bias[k] += dy;
    }
    for (int k = 0; k < cols; ++k) {
      double want = f.rstd[r] * (g[k] - mean_g - xhat[k] * mean_gx);
      if (with_d_sum)
        want += c.d_sum[base + k];
      dx.add(d_x[base + k], want);
      d_delta_error.add(from_bf16(d_delta[base + k]), want);
    }
  }
  Error dw, db;
  for (int k = 0; k < cols; ++k) {
    double w = 0, b = 0;
    for (int p = 0; p < partial_rows; ++p) {
      w += partials[static_cast<size_t>(p) * cols + k];
      b += partials[(static_cast<size_t>(partial_rows) + p) * cols + k];
    }
    dw.add(w, d_weight[k]);
    db.add(b, d_bias[k]);
  }
  EXPECT_LT(dx.relative(), 1e-5);
  EXPECT_LT(d_delta_error.relative(), 1.0 / 128);
  EXPECT_LT(dw.relative(), 1e-5);
  EXPECT_LT(db.relative(), 1e-5);
}

TEST(CudaKernels, AddLayerNormBackwardMatchesTheFormula) {
  unsigned seed = 100;
  for (const int cols : kWidths)
    for (const std::int64_t rows : kRows) {
      // With one row, as for the last block, the stream is not used further: no d_sum.
      const bool with_d_sum = rows > 1;
      SCOPED_TRACE(std::to_string(rows) + " x " + std::to_string(cols) +
                   (with_d_sum ? " with d_sum" : ""));
      check_backward(rows, cols, with_d_sum, ++seed);
    }
}

TEST(CudaKernels, RowsWiderThanTheKernelsTakeAreRefused) {
  EXPECT_THROW(add_layer_norm_partial_rows(4, kMaxNormCols + 1), std::invalid_argument);
  EXPECT_THROW(add_layer_norm_partial_rows(4, 0), std::invalid_argument);
}

} // namespace
} // namespace mae::cuda
