#pragma once
// 1-D convolution (cross-correlation) kernels in channels_last layout, through BLAS gemms (per tap
// on the input, or over im2col chunks when a group has few channels):
//   y[b, t, f] = bias[f] + Σ_j Σ_c x[b, t·stride + j·dilation − pad_left, g·Cg + c] · kernel[j, c, f]
// with g = f / (filters / groups), Cg = channels / groups, and x zero outside [0, length).
// Shapes are validated by the caller.
#include <minidl/core/tensor.hpp>

namespace minidl::kernels {

struct Conv1dGeometry {
  std::int64_t batch = 0;
  std::int64_t length = 0;
  std::int64_t channels = 0;
  std::int64_t filters = 0;
  std::int64_t kernel_size = 1;
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  std::int64_t pad_left = 0;
  std::int64_t pad_right = 0;
  std::int64_t groups = 1;

  std::int64_t output_length() const {
    return (length + pad_left + pad_right - dilation * (kernel_size - 1) - 1) / stride + 1;
  }
};

// x (batch, length, channels), kernel (kernel_size, channels / groups, filters), bias (filters) or
// undefined → (batch, output_length, filters); with `relu`, relu_forward of that, applied as the
// tiles store y where they compute it.
Tensor conv1d_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dGeometry& geometry,
                      bool relu = false);
// The gradient with respect to x, from the gradient of y.
Tensor conv1d_backward_input(const Tensor& grad_output, const Tensor& kernel, const Conv1dGeometry& geometry);
// The gradient with respect to the kernel; and, where bias_grad is given, the bias gradient into it
// (as conv1d_backward_bias would give it, but summed in the same pass over grad_output where the
// register tiles compute the kernel gradient).
Tensor conv1d_backward_kernel(const Tensor& grad_output, const Tensor& x, const Conv1dGeometry& geometry,
                              Tensor* bias_grad = nullptr);
// y (batch, steps, filters), contiguous and owned by the caller, += bias (filters) at every step.
void add_to_rows(Tensor& y, const Tensor& bias);
// The gradient with respect to the bias: grad_output (batch, steps, filters) summed over batch and
// steps, in the CPU's vectors (a transposed convolution's too).
Tensor conv1d_backward_bias(const Tensor& grad_output);

}  // namespace minidl::kernels
