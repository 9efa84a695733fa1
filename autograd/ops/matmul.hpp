#pragma once
// Matrix products through BLAS, with numpy.matmul's rules: batch dimensions broadcast, and a 1-D
// operand is a vector (prepended or appended 1, removed from the result).
#include <minidl/core/tensor.hpp>

namespace minidl {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace minidl
