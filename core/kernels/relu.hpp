#pragma once
// relu and its gradient as explicit SIMD loops: the hot activation of conv stacks. (Written as
// plain loops, GCC compiles the select to a branch per element, mispredicted on half of them.)
#include <minidl/core/tensor.hpp>

namespace minidl::kernels {

// max(x, 0), contiguous.
Tensor relu_forward(const Tensor& x);
// upstream where output > 0, else 0: relu's input gradient from its output.
Tensor relu_backward(const Tensor& upstream, const Tensor& output);

}  // namespace minidl::kernels
