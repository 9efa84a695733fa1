#include <minidl/autograd/ops/conv1d.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/conv1d.hpp>
#include <minidl/core/kernels/elementwise.hpp>
#include <minidl/core/kernels/kernels.hpp>
#include <minidl/core/kernels/relu.hpp>

#include <fmt/format.h>
#include <utility>

namespace minidl {

namespace {

kernels::Conv1dGeometry checked_geometry(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                                         const Conv1dOptions& options) {
  if (x.ndim() != 3)
    throw ShapeError(fmt::format("conv1d: x must have rank 3 (batch, steps, channels), received shape {}", shape_to_string(x.shape())));
  if (kernel.ndim() != 3)
    throw ShapeError(fmt::format("conv1d: kernel must have rank 3 (kernel_size, channels / groups, filters), received shape {}",
                                 shape_to_string(kernel.shape())));
  kernels::require_same_dtype(x, kernel, "conv1d");
  if (x.shape()[2] == 0)
    throw ShapeError(fmt::format("conv1d: x must have at least one channel, received shape {}", shape_to_string(x.shape())));
  for (auto [name, value] : {std::pair{"strides", options.strides}, std::pair{"dilation_rate", options.dilation_rate},
                             std::pair{"groups", options.groups}})
    if (value <= 0) throw_invalid_argument("conv1d", name, "expected a positive integer", fmt::format("{}={}", name, value));
  if (options.pad_left < 0 || options.pad_right < 0)
    throw_invalid_argument("conv1d", "padding", "expected non-negative padding",
                           fmt::format("pad_left={}, pad_right={}", options.pad_left, options.pad_right));
  constexpr std::int64_t largest = largest_element_count;
  if (kernel.shape()[0] > largest / options.dilation_rate || options.strides > largest || options.pad_left > largest ||
      options.pad_right > largest)
    throw_invalid_argument("conv1d", "dilation_rate", "expected window span, strides and padding below 2^40 steps",
                           fmt::format("kernel_size={}, dilation_rate={}, strides={}, padding=({}, {})", kernel.shape()[0],
                                       options.dilation_rate, options.strides, options.pad_left, options.pad_right));
  kernels::Conv1dGeometry g{.batch = x.shape()[0], .length = x.shape()[1], .channels = x.shape()[2],
                            .filters = kernel.shape()[2], .kernel_size = kernel.shape()[0], .stride = options.strides,
                            .dilation = options.dilation_rate, .pad_left = options.pad_left,
                            .pad_right = options.pad_right, .groups = options.groups};
  if (g.channels % g.groups != 0 || g.filters % g.groups != 0 || kernel.shape()[1] * g.groups != g.channels)
    throw ShapeError(fmt::format("conv1d: kernel shape {} does not fit x of shape {} with groups={}: expected "
                                 "(kernel_size, {}, filters) with filters divisible by groups",
                                 shape_to_string(kernel.shape()), shape_to_string(x.shape()), g.groups,
                                 g.channels % g.groups == 0 ? fmt::format("{}", g.channels / g.groups) : "channels / groups"));
  if (bias.defined()) {
    kernels::require_same_dtype(x, bias, "conv1d");
    if (bias.shape() != Shape{g.filters})
      throw ShapeError(fmt::format("conv1d: bias must have shape ({},), received {}", g.filters, shape_to_string(bias.shape())));
  }
  if (g.kernel_size < 1 || g.output_length() <= 0 || g.length + g.pad_left + g.pad_right < g.dilation * (g.kernel_size - 1) + 1)
    throw ShapeError(fmt::format("conv1d: the output would have no steps: x has {} steps, padding ({}, {}), and the "
                                 "dilated kernel spans {} steps",
                                 g.length, g.pad_left, g.pad_right, g.dilation * (g.kernel_size - 1) + 1));
  return g;
}

// The gradients of x, the kernel and the bias from g, the gradient of the convolution's output:
// the kernel gradient first, so that where the tiles compute it they sum the bias gradient in the
// same pass.
struct Conv1dBackward {
  Tensor x, kernel;  // saved
  kernels::Conv1dGeometry geometry;
  bool need_x, need_kernel, need_bias;

  std::vector<Tensor> operator()(const Tensor& g) const {
    Tensor grad_bias;
    Tensor grad_kernel =
        need_kernel ? kernels::conv1d_backward_kernel(g, x, geometry, need_bias ? &grad_bias : nullptr) : Tensor();
    if (need_bias && !need_kernel) grad_bias = kernels::conv1d_backward_bias(g);
    return {need_x ? kernels::conv1d_backward_input(g, kernel, geometry) : Tensor(), std::move(grad_kernel),
            std::move(grad_bias)};
  }
};

Tensor conv1d_maybe_relu(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dOptions& options, bool relu) {
  const auto geometry = checked_geometry(x, kernel, bias, options);
  // Packed once (a channels_first input arrives as a permuted view): forward and backward share it.
  const Tensor packed = x.contiguous();
  Tensor y = kernels::conv1d_forward(packed, kernel, bias, geometry, relu);
  const Conv1dBackward backward{saved(packed), saved(kernel), geometry, needs_grad(x), needs_grad(kernel),
                                bias.defined() && needs_grad(bias)};
  if (relu)
    record(y, "conv1d_relu", {x, kernel, bias},
           [backward, y = saved(y)](const Tensor& g) { return backward(kernels::relu_backward(g, y)); });
  else
    record(y, "conv1d", {x, kernel, bias}, backward);
  return y;
}

}  // namespace

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dOptions& options) {
  return conv1d_maybe_relu(x, kernel, bias, options, false);
}

Tensor conv1d_relu(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dOptions& options) {
  return conv1d_maybe_relu(x, kernel, bias, options, true);
}

}  // namespace minidl
