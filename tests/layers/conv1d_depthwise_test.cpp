// Convolutions with one input channel per group (DepthwiseConv1D, SeparableConv1D's first half,
// Conv1D with groups = channels) take a kernel of their own. Here each result of it, forward and
// the three gradients, float32 and float64, must equal a different computation of the same
// thing: a dense convolution (groups 1, through BLAS or the register tiles) with a block-diagonal
// kernel, whose kernel gradient holds the depthwise one on its diagonal blocks. The sweep covers
// filter rows that fill whole vector blocks, part of one and both, multipliers, strides,
// dilations and paddings longer than the input.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <fmt/format.h>

using namespace minidl;

namespace {

struct DepthwiseCase {
  std::int64_t channels, multiplier, kernel_size, strides, dilation_rate, pad_left, pad_right, steps;
};

// kernel (k, 1, C·m) → (k, C, C·m), zero off the diagonal blocks: filter f reads channel f / m only.
Tensor block_diagonal(const Tensor& kernel, std::int64_t channels, std::int64_t multiplier) {
  const std::int64_t taps = kernel.shape()[0], filters = channels * multiplier;
  const auto values = kernel.to_vector();
  std::vector<double> dense(std::size_t(taps * channels * filters), 0.0);
  for (std::int64_t j = 0; j < taps; ++j)
    for (std::int64_t f = 0; f < filters; ++f) dense[std::size_t((j * channels + f / multiplier) * filters + f)] = values[std::size_t(j * filters + f)];
  return cast(Tensor(dense, {taps, channels, filters}), kernel.dtype());
}

// The diagonal blocks of a dense kernel's gradient, back in the depthwise layout (k, 1, C·m).
Tensor diagonal_blocks(const Tensor& dense_gradient, std::int64_t channels, std::int64_t multiplier) {
  const std::int64_t taps = dense_gradient.shape()[0], filters = channels * multiplier;
  const auto values = dense_gradient.to_vector();
  std::vector<double> diagonal(std::size_t(taps * filters));
  for (std::int64_t j = 0; j < taps; ++j)
    for (std::int64_t f = 0; f < filters; ++f) diagonal[std::size_t(j * filters + f)] = values[std::size_t((j * channels + f / multiplier) * filters + f)];
  return cast(Tensor(diagonal, {taps, 1, filters}), dense_gradient.dtype());
}

void check_depthwise_case(const DepthwiseCase& c, DType dtype, Generator& generator) {
  const std::int64_t filters = c.channels * c.multiplier;
  const Tensor x = Tensor::uniform({3, c.steps, c.channels}, -1, 1, dtype, &generator).set_requires_grad();
  const Tensor kernel = Tensor::uniform({c.kernel_size, 1, filters}, -1, 1, dtype, &generator).set_requires_grad();
  const Tensor bias = Tensor::uniform({filters}, -1, 1, dtype, &generator).set_requires_grad();
  const Conv1dOptions options{.strides = c.strides, .dilation_rate = c.dilation_rate, .pad_left = c.pad_left,
                              .pad_right = c.pad_right, .groups = c.channels};
  const Tensor y = conv1d(x, kernel, bias, options);
  const Tensor upstream = Tensor::uniform(y.shape(), -1, 1, dtype, &generator);
  const auto gradients = autograd::grad({y}, {x, kernel, bias}, {upstream});

  const Tensor dense_x = x.detach().clone().set_requires_grad();
  const Tensor dense_kernel = block_diagonal(kernel.detach(), c.channels, c.multiplier).set_requires_grad();
  Conv1dOptions dense_options = options;
  dense_options.groups = 1;
  const Tensor dense_y = conv1d(dense_x, dense_kernel, bias.detach(), dense_options);
  const auto dense = autograd::grad({dense_y}, {dense_x, dense_kernel}, {upstream});

  // float32: sums of a few dozen products, and the dense one adds exact zeros besides.
  const double rtol = dtype == DType::float64 ? 1e-12 : 1e-5, atol = dtype == DType::float64 ? 1e-12 : 1e-5;
  CHECK_CLOSE(y, dense_y, rtol, atol);
  CHECK_CLOSE(gradients[0], dense[0], rtol, atol);
  CHECK_CLOSE(gradients[1], diagonal_blocks(dense[1], c.channels, c.multiplier), rtol, atol);
  CHECK_CLOSE(gradients[2], sum(upstream, {0, 1}), rtol, atol);
}

}  // namespace

TEST_CASE("depthwise convolutions equal a dense convolution with a block-diagonal kernel, forward and backward") {
  Generator generator(31);
  int count = 0;
  for (DType dtype : {DType::float32, DType::float64})
    for (auto [channels, multiplier] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {5, 1}, {40, 1}, {64, 1}, {3, 2}, {20, 3}})
      for (std::int64_t kernel_size : {1, 3, 5})
        for (auto [strides, dilation_rate] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {2, 1}, {3, 2}, {1, 3}})
          for (auto [pad_left, pad_right] : {std::pair<std::int64_t, std::int64_t>{0, 0}, {2, 1}, {6, 6}})
            for (std::int64_t steps : {1, 9, 40}) {
              const DepthwiseCase c{channels, multiplier, kernel_size, strides, dilation_rate, pad_left, pad_right, steps};
              if (steps + pad_left + pad_right < dilation_rate * (kernel_size - 1) + 1) continue;  // no output step
              const std::string description = fmt::format("{} channels={} multiplier={} kernel_size={} strides={} dilation_rate={} padding=({}, {}) "
                                  "steps={}",
                                  dtype_name(dtype), channels, multiplier, kernel_size, strides, dilation_rate, pad_left,
                                  pad_right, steps);
              CAPTURE(description);
              check_depthwise_case(c, dtype, generator);
              ++count;
            }
  CHECK(count > 1000);
}
