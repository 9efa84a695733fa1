#pragma once
// The differentiable 1-D convolution op behind layers::Conv1D: one op with its own backward for
// the input, the kernel and the bias. Channels-last input; padding given explicitly.
#include <minidl/core/tensor.hpp>

namespace minidl {

struct Conv1dOptions {
  std::int64_t strides = 1;
  std::int64_t dilation_rate = 1;
  std::int64_t pad_left = 0;   // zeros before the first step
  std::int64_t pad_right = 0;  // zeros after the last step
  std::int64_t groups = 1;
};

// x (batch, steps, channels), kernel (kernel_size, channels / groups, filters), bias (filters,) or
// an undefined Tensor → (batch, output_steps, filters): Keras's cross-correlation.
Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dOptions& options = {});

// relu(conv1d(x, kernel, bias, options)) as one op: where register tiles compute the convolution
// they apply relu as they store y, so that no pass over y and no pre-activation tensor are left.
// The same values (NaN and −0 come through) and gradients as the two ops.
Tensor conv1d_relu(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dOptions& options = {});

}  // namespace minidl
