#pragma once
// Non-differentiable kernels that the autograd ops are built on. Inputs are validated by the caller
// (the op), which knows the user-facing names; these only compute.
#include <minidl/core/tensor.hpp>

#include <vector>

namespace minidl::kernels {

// Reductions over sorted, distinct `axes`; keepdims leaves those axes with extent 1.
Tensor sum(const Tensor& x, const std::vector<int>& axes, bool keepdims);
Tensor amax(const Tensor& x, const std::vector<int>& axes, bool keepdims);
Tensor amin(const Tensor& x, const std::vector<int>& axes, bool keepdims);
// Sums a broadcast result back down to `shape` (the shape it was broadcast from).
Tensor sum_to_shape(const Tensor& x, const Shape& shape);

// (..., n, k) @ (..., k, m) with broadcast batch dimensions; both of rank >= 2, inner sizes checked.
Tensor matmul(const Tensor& a, const Tensor& b);

// Views.
Tensor permute(const Tensor& x, const std::vector<int>& axes);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// start/stop/step per axis, already clamped to the axis (step > 0).
Tensor slice(const Tensor& x, const Shape& start, const Shape& stop, const Shape& step);
// A view when x is contiguous, otherwise a copy.
Tensor reshape(const Tensor& x, const Shape& shape);

// Copies.
Tensor concat(const std::vector<Tensor>& parts, int axis);
// pads[axis] = {before, after}, each >= 0.
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pads, double value);
Tensor cast(const Tensor& x, DType dtype);

}  // namespace minidl::kernels
