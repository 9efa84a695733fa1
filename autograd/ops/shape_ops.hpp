#pragma once
// Differentiable changes of layout. Which of them are views (sharing storage) is listed in
// core/tensor.hpp; they all behave as values.
#include <minidl/core/tensor.hpp>

#include <utility>
#include <vector>

namespace minidl {

// One entry may be -1: inferred from the element count.
Tensor reshape(const Tensor& x, Shape shape);
// Reorders axes: out.shape[i] = x.shape[axes[i]]. Empty axes reverse them (numpy.transpose).
Tensor transpose(const Tensor& x, const std::vector<std::int64_t>& axes = {});
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& axes);
// Removes the given extent-1 axes, or all of them when `axis` is empty.
Tensor squeeze(const Tensor& x, const std::vector<std::int64_t>& axis = {});
// Inserts an extent-1 axis at `axis` of the result (keras.ops.expand_dims).
Tensor unsqueeze(const Tensor& x, std::int64_t axis);
// x[start:stop:step] along one axis, with Python's negative indices and clamping; step > 0.
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1);
// The elements in reverse order along one axis (keras.ops.flip, torch.flip); a copy.
Tensor flip(const Tensor& x, std::int64_t axis);
// Joins along an existing axis; all other extents must match.
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis = 0);
// Joins along a new axis; all shapes must match.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis = 0);
// Constant padding: pad_width[axis] = {before, after} for every axis (numpy.pad, mode "constant").
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pad_width,
           double constant_value = 0.0);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// A copy in the other dtype; the gradient is cast back.
Tensor cast(const Tensor& x, DType dtype);

}  // namespace minidl
