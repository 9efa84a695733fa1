#include <minidl/autograd/ops/reduction.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace minidl {

namespace {

Shape kept_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape kept = shape;
  for (int axis : axes) kept[axis] = 1;
  return kept;
}

Shape dropped_shape(const Shape& shape, const std::vector<int>& axes) {
  Shape dropped;
  for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis)
    if (std::find(axes.begin(), axes.end(), axis) == axes.end()) dropped.push_back(shape[axis]);
  return dropped;
}

// A gradient of the reduced shape, read back as the input's shape (a broadcasting view).
Tensor spread(const Tensor& g, const Shape& kept, const Shape& input_shape) {
  return kernels::broadcast_to(kernels::reshape(g, kept), input_shape);
}

// Refuses to reduce over zero elements into a non-empty result; an empty result (a batch of 0
// reduced along its other axes) is fine, as in NumPy and Keras.
void require_elements(const Tensor& x, const std::vector<int>& axes, std::string_view op) {
  std::int64_t reduced = 1;
  for (int axis : axes) reduced *= x.shape()[axis];
  if (reduced == 0 && element_count(dropped_shape(x.shape(), axes)) > 0)
    throw_invalid_argument(op, "x", "expected a non-empty tensor (the reduction has no identity)",
                           fmt::format("shape {}", shape_to_string(x.shape())));
}

template <class Kernel>
Tensor extreme(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims, std::string_view name,
               Kernel kernel) {
  const auto axes = normalize_axes(axis, x.ndim(), name);
  require_elements(x, axes, name);
  const Tensor kept_extreme = kernel(x, axes, true);
  Tensor out = kernels::reshape(kept_extreme, keepdims ? kept_extreme.shape() : dropped_shape(x.shape(), axes));
  record(out, name, {x}, [x = saved(x), axes, extreme = saved(kept_extreme)](const Tensor& g) {
    const Tensor hits = equal(x, extreme);
    const Tensor count = kernels::sum(hits, axes, true);
    return std::vector<Tensor>{hits * (kernels::reshape(g, extreme.shape()) / count)};
  });
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims) {
  const auto axes = normalize_axes(axis, x.ndim(), "sum");
  Tensor out = kernels::sum(x, axes, keepdims);
  record(out, "sum", {x}, [kept = kept_shape(x.shape(), axes), shape = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{spread(g, kept, shape)};
  });
  return out;
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims) {
  const auto axes = normalize_axes(axis, x.ndim(), "mean");
  require_elements(x, axes, "mean");
  std::int64_t count = 1;
  for (int a : axes) count *= x.shape()[a];
  return sum(x, axis, keepdims) / static_cast<double>(count);
}

Tensor max(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims) {
  return extreme(x, axis, keepdims, "max", kernels::amax);
}

Tensor min(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims) {
  return extreme(x, axis, keepdims, "min", kernels::amin);
}

Tensor var(const Tensor& x, const std::vector<std::int64_t>& axis, bool keepdims) {
  require_elements(x, normalize_axes(axis, x.ndim(), "var"), "var");
  return mean(square(x - mean(x, axis, true)), axis, keepdims);
}

}  // namespace minidl
