#pragma once
// The differentiable transposed 1-D convolution behind layers::Conv1DTranspose: the adjoint of
// conv1d, so its forward is conv1d's input gradient and its input gradient is conv1d's forward.
// Channels-last input; the cropping and output length given explicitly.
#include <minidl/core/tensor.hpp>

namespace minidl {

struct Conv1dTransposeOptions {
  std::int64_t strides = 1;
  std::int64_t dilation_rate = 1;
  // Steps dropped from the start of the full output (length (steps − 1)·strides + dilated span).
  std::int64_t crop_left = 0;
  // Steps kept after the cropped start; past the full output's end they hold the bias alone.
  // Fewer than strides of them may lie past it.
  std::int64_t output_length = 0;
};

// x (batch, steps, channels), kernel (kernel_size, filters, channels), bias (filters,) or undefined
// → (batch, output_length, filters), where x's step t adds x[t]·kernel[j]ᵀ to output step
// t·strides + j·dilation_rate − crop_left.
Tensor conv1d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dTransposeOptions& options);

}  // namespace minidl
