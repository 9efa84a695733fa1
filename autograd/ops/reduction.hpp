#pragma once
// Differentiable reductions along axes. `axis` lists the axes to reduce (negative counts from the
// end); empty reduces every axis. keepdims keeps reduced axes with extent 1.
#include <minidl/core/tensor.hpp>

#include <vector>

namespace minidl {

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axis = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axis = {}, bool keepdims = false);
// The gradient goes to the maximal (minimal) elements, split evenly among ties.
Tensor max(const Tensor& x, const std::vector<std::int64_t>& axis = {}, bool keepdims = false);
Tensor min(const Tensor& x, const std::vector<std::int64_t>& axis = {}, bool keepdims = false);
// Population variance (divides by the count, as numpy.var and keras.ops.var).
Tensor var(const Tensor& x, const std::vector<std::int64_t>& axis = {}, bool keepdims = false);

}  // namespace minidl
