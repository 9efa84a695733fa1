#pragma once
// Comparisons give 1 where true and 0 where false, in the operands' dtype; they carry no gradient.
// where() selects between two tensors and passes the gradient to the one selected.
#include <minidl/core/tensor.hpp>

namespace minidl {

Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);

// x where condition is non-zero, else y (broadcasting all three).
Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y);

}  // namespace minidl
