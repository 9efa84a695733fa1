#include <minidl/autograd/ops/conv1d_transpose.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/conv1d.hpp>
#include <minidl/core/kernels/elementwise.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace minidl {

namespace {

// The convolution whose input gradient this op is: over the output y (as its input), with y's
// steps as the convolution's length and x's steps as its output steps.
kernels::Conv1dGeometry adjoint_geometry(const Tensor& x, const Tensor& kernel, const Tensor& bias,
                                         const Conv1dTransposeOptions& options) {
  if (x.ndim() != 3)
    throw ShapeError(fmt::format("conv1d_transpose: x must have rank 3 (batch, steps, channels), received shape {}",
                                 shape_to_string(x.shape())));
  if (kernel.ndim() != 3)
    throw ShapeError(fmt::format("conv1d_transpose: kernel must have rank 3 (kernel_size, filters, channels), received shape {}",
                                 shape_to_string(kernel.shape())));
  kernels::require_same_dtype(x, kernel, "conv1d_transpose");
  for (auto [name, value] : {std::pair{"strides", options.strides}, std::pair{"dilation_rate", options.dilation_rate}})
    if (value <= 0)
      throw_invalid_argument("conv1d_transpose", name, "expected a positive integer", fmt::format("{}={}", name, value));
  constexpr std::int64_t largest = largest_element_count;
  if (kernel.shape()[0] > largest / options.dilation_rate || options.strides > largest || options.crop_left < 0 ||
      options.crop_left > largest || options.output_length < 0 || options.output_length > largest)
    throw_invalid_argument("conv1d_transpose", "output_length",
                           "expected window span and strides below 2^40 steps, and crop_left and output_length in [0, 2^40]",
                           fmt::format("kernel_size={}, dilation_rate={}, strides={}, crop_left={}, output_length={}",
                                       kernel.shape()[0], options.dilation_rate, options.strides, options.crop_left,
                                       options.output_length));
  const std::int64_t steps = x.shape()[1], channels = x.shape()[2];
  if (steps == 0 || channels == 0 || kernel.shape()[0] == 0)
    throw ShapeError(fmt::format("conv1d_transpose: x needs at least one step and one channel and the kernel one tap; "
                                 "received x of shape {} and kernel of shape {}",
                                 shape_to_string(x.shape()), shape_to_string(kernel.shape())));
  if (kernel.shape()[2] != channels)
    throw ShapeError(fmt::format("conv1d_transpose: kernel shape {} does not fit x of shape {}: expected (kernel_size, "
                                 "filters, {})",
                                 shape_to_string(kernel.shape()), shape_to_string(x.shape()), channels));
  const std::int64_t filters = kernel.shape()[1];
  if (bias.defined()) {
    kernels::require_same_dtype(x, bias, "conv1d_transpose");
    if (bias.shape() != Shape{filters})
      throw ShapeError(fmt::format("conv1d_transpose: bias must have shape ({},), received {}", filters,
                                   shape_to_string(bias.shape())));
  }
  const std::int64_t span = options.dilation_rate * (kernel.shape()[0] - 1) + 1;
  const std::int64_t full_length = (steps - 1) * options.strides + span;
  // The convolution pads y on the right where the crop cuts into the full output...
  const std::int64_t pad_right = std::max<std::int64_t>(full_length - options.crop_left - options.output_length, 0);
  // ...and its windows, strides apart, must end within strides steps of y's end.
  if (pad_right == 0 && options.output_length + options.crop_left - full_length >= options.strides)
    throw_invalid_argument("conv1d_transpose", "output_length",
                           fmt::format("expected at most {} steps past the full output's {} (fewer than strides={})",
                                       options.strides - 1, full_length - options.crop_left, options.strides),
                           fmt::format("output_length={}", options.output_length));
  return {.batch = x.shape()[0], .length = options.output_length, .channels = filters, .filters = channels,
          .kernel_size = kernel.shape()[0], .stride = options.strides, .dilation = options.dilation_rate,
          .pad_left = options.crop_left, .pad_right = pad_right, .groups = 1};
}

}  // namespace

Tensor conv1d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dTransposeOptions& options) {
  const auto geometry = adjoint_geometry(x, kernel, bias, options);
  const Tensor packed = x.contiguous();
  Tensor y = geometry.length == 0 ? Tensor::zeros({geometry.batch, 0, geometry.channels}, x.dtype())
                                  : kernels::conv1d_backward_input(packed, kernel, geometry);
  if (bias.defined()) kernels::add_to_rows(y, bias);
  record(y, "conv1d_transpose", {x, kernel, bias},
         [x = saved(packed), kernel = saved(kernel), geometry, need_x = needs_grad(x), need_kernel = needs_grad(kernel),
          need_bias = bias.defined() && needs_grad(bias)](const Tensor& g) {
           const bool empty = geometry.length == 0;
           return std::vector<Tensor>{
               !need_x ? Tensor()
               : empty ? Tensor::zeros(x.shape(), x.dtype())
                       : kernels::conv1d_forward(g, kernel, Tensor(), geometry),
               !need_kernel ? Tensor()
               : empty      ? Tensor::zeros(kernel.shape(), kernel.dtype())
                            : kernels::conv1d_backward_kernel(x, g, geometry),
               need_bias ? kernels::conv1d_backward_bias(g) : Tensor(),
           };
         });
  return y;
}

}  // namespace minidl
