#pragma once
// Picking elements by index, with Keras's semantics (keras.ops.argmax, argmin, take, one_hot).
// minidl's tensors are float32 or float64, so indices travel as whole numbers in those dtypes
// (exact up to 2^24 in float32): argmax and argmin return them in x's dtype, take and one_hot
// read them from any tensor and refuse a value that is not a whole number.
#include <minidl/core/tensor.hpp>

#include <optional>
#include <vector>

namespace minidl {

// The index of the largest (smallest) value along `axis`, or in the flattened tensor without one;
// the first among ties, and a NaN counts as the extreme (as NumPy and torch). keepdims keeps the
// reduced axis (every axis without one) with extent 1. No gradient.
Tensor argmax(const Tensor& x, std::optional<std::int64_t> axis = std::nullopt, bool keepdims = false);
Tensor argmin(const Tensor& x, std::optional<std::int64_t> axis = std::nullopt, bool keepdims = false);

// The slices of x at `indices` along `axis` (of the flattened x without one): the result's shape is
// x's before the axis, then indices' shape, then x's after it. A negative index counts from the
// end; one outside the axis is refused. The gradient adds each slice's back where it was taken
// (repeated indices add up).
Tensor take(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> axis = std::nullopt);
Tensor take(const Tensor& x, const std::vector<std::int64_t>& indices, std::optional<std::int64_t> axis = std::nullopt);

// 1 where the class is the index, in a new axis of extent num_classes at `axis` (last by
// default), in x's dtype; an index outside [0, num_classes) gives a row of zeros (Keras on
// TensorFlow and JAX; on torch an index past the end raises). No gradient.
Tensor one_hot(const Tensor& x, std::int64_t num_classes, std::int64_t axis = -1);

}  // namespace minidl
