#pragma once
// The 1-D convolution with one input channel per group (depthwise: DepthwiseConv1D, the first half
// of SeparableConv1D, Conv1D with groups = channels), forward and both gradients. Internal to
// the kernels; conv1d.cpp sends such geometries here.
//
// Through BLAS each group would be a gemm of depth kernel_size and width depth_multiplier: far too
// small to pay for the call. Here output channel f = c·multiplier + m of step t sums kernel_size
// products x[t·s + j·d − pad_left, c] · kernel[j, f], the filters side by side in vector lanes, the
// sums held in registers across the taps. float32 and float64, compiled for AVX-512F, AVX2 and
// baseline x86-64 and chosen at run time by CPU feature.
#include <minidl/core/kernels/conv1d.hpp>

namespace minidl::kernels {

// Whether this geometry is depthwise: one input channel per group, and more than one group. A
// single channel with many filters (an audio front end, the benchmark's B3) is a dense
// convolution that BLAS and the tiles do better: its input gradient sums every filter per tap.
inline bool is_depthwise(const Conv1dGeometry& g) { return g.groups == g.channels && g.groups > 1; }

// See conv1d_forward, conv1d_backward_input and conv1d_backward_kernel; the geometry is depthwise.
Tensor depthwise_conv1d_forward(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv1dGeometry& geometry);
Tensor depthwise_conv1d_backward_input(const Tensor& grad_output, const Tensor& kernel, const Conv1dGeometry& geometry);
Tensor depthwise_conv1d_backward_kernel(const Tensor& grad_output, const Tensor& x, const Conv1dGeometry& geometry);

}  // namespace minidl::kernels
