#include <minidl/autograd/ops/shape_ops.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>

namespace minidl {

namespace {

std::string list_to_string(const std::vector<std::int64_t>& values) { return fmt::format("[{}]", fmt::join(values, ", ")); }

std::vector<int> inverse_permutation(const std::vector<int>& axes) {
  std::vector<int> inverse(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) inverse[axes[i]] = static_cast<int>(i);
  return inverse;
}

void require_tensors(const std::vector<Tensor>& tensors, std::string_view op) {
  if (tensors.empty()) throw_invalid_argument(op, "tensors", "expected at least one tensor", "an empty list");
  for (std::size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].dtype() != tensors[0].dtype())
      throw InvalidArgument(fmt::format("{}: tensors have different dtypes: tensors[0] is {}, tensors[{}] is {}", op,
                                        dtype_name(tensors[0].dtype()), i, dtype_name(tensors[i].dtype())));
}

}  // namespace

Tensor reshape(const Tensor& x, Shape shape) {
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && inferred < 0) inferred = static_cast<int>(i);
    else if (shape[i] < 0)
      throw_invalid_argument("reshape", "shape", "expected non-negative extents and at most one -1", shape_to_string(shape));
    else if (__builtin_mul_overflow(known, shape[i], &known))
      throw ShapeError(fmt::format("reshape: cannot reshape a tensor of shape {} ({} elements) into shape {}: its element "
                                   "count overflows",
                                   shape_to_string(x.shape()), x.size(), shape_to_string(shape)));
  }
  if (inferred >= 0 && known > 0 && x.size() % known == 0) shape[inferred] = x.size() / known;
  if ((inferred >= 0 && shape[inferred] < 0) || checked_element_count(shape, "reshape") != x.size())
    throw ShapeError(fmt::format("reshape: cannot reshape a tensor of shape {} ({} elements) into shape {}",
                                 shape_to_string(x.shape()), x.size(), shape_to_string(shape)));
  Tensor out = kernels::reshape(x, shape);
  record(out, "reshape", {x}, [original = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{kernels::reshape(g, original)};
  });
  return out;
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& axes) {
  if (static_cast<int>(axes.size()) != x.ndim())
    throw_invalid_argument("permute", "axes", fmt::format("expected a permutation of the {} axes of a tensor of shape {}", x.ndim(), shape_to_string(x.shape())),
                           fmt::format("axes={}", list_to_string(axes)));
  std::vector<int> order;
  for (auto axis : axes) order.push_back(normalize_axis(axis, x.ndim(), "permute", "axes"));
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw_invalid_argument("permute", "axes", "expected each axis exactly once", fmt::format("axes={}", list_to_string(axes)));
  Tensor out = kernels::permute(x, order);
  record(out, "permute", {x}, [inverse = inverse_permutation(order)](const Tensor& g) {
    return std::vector<Tensor>{kernels::permute(g, inverse)};
  });
  return out;
}

Tensor transpose(const Tensor& x, const std::vector<std::int64_t>& axes) {
  if (!axes.empty()) return permute(x, axes);
  std::vector<std::int64_t> reversed;
  for (int axis = x.ndim() - 1; axis >= 0; --axis) reversed.push_back(axis);
  return permute(x, reversed);
}

Tensor squeeze(const Tensor& x, const std::vector<std::int64_t>& axis) {
  std::vector<int> removed;
  if (axis.empty()) {
    for (int a = 0; a < x.ndim(); ++a)
      if (x.shape()[a] == 1) removed.push_back(a);
  } else {
    removed = normalize_axes(axis, x.ndim(), "squeeze");
    for (int a : removed)
      if (x.shape()[a] != 1)
        throw_invalid_argument("squeeze", "axis", fmt::format("expected axes of extent 1 in shape {}", shape_to_string(x.shape())),
                               fmt::format("axis={} (extent {})", a, x.shape()[a]));
  }
  Shape shape;
  for (int a = 0; a < x.ndim(); ++a)
    if (std::find(removed.begin(), removed.end(), a) == removed.end()) shape.push_back(x.shape()[a]);
  return reshape(x, shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  const int position = normalize_axis(axis, x.ndim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + position, 1);
  return reshape(x, shape);
}

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t stop, std::int64_t step) {
  const int a = normalize_axis(axis, x.ndim(), "slice");
  if (step <= 0) throw_invalid_argument("slice", "step", "expected a positive step", fmt::format("step={}", step));
  const std::int64_t extent = x.shape()[a];
  auto clamp = [extent](std::int64_t index) { return std::clamp(index < 0 ? index + extent : index, std::int64_t{0}, extent); };
  Shape starts(x.ndim(), 0), stops = x.shape(), steps(x.ndim(), 1);
  starts[a] = clamp(start);
  stops[a] = std::max(clamp(stop), starts[a]);
  steps[a] = step;
  Tensor out = kernels::slice(x, starts, stops, steps);
  record(out, "slice", {x}, [shape = x.shape(), starts, stops, steps](const Tensor& g) {
    Tensor gradient = Tensor::zeros(shape, g.dtype());
    kernels::slice(gradient, starts, stops, steps).assign(g);
    return std::vector<Tensor>{gradient};
  });
  return out;
}

namespace {

Tensor reversed(const Tensor& x, int axis) {
  const Tensor source = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  std::int64_t outer = 1, inner = 1;
  for (int a = 0; a < axis; ++a) outer *= x.shape()[a];
  for (int a = axis + 1; a < x.ndim(); ++a) inner *= x.shape()[a];
  const std::int64_t extent = x.shape()[axis];
  dispatch(x.dtype(), [&]<class T>() {
    const T* from = source.data<T>();
    T* to = out.data<T>();
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t i = 0; i < extent; ++i)
        std::copy_n(from + (o * extent + i) * inner, inner, to + (o * extent + extent - 1 - i) * inner);
  });
  return out;
}

}  // namespace

Tensor flip(const Tensor& x, std::int64_t axis) {
  const int a = normalize_axis(axis, x.ndim(), "flip");
  Tensor out = reversed(x, a);
  record(out, "flip", {x}, [a](const Tensor& g) { return std::vector<Tensor>{reversed(g, a)}; });
  return out;
}

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis) {
  require_tensors(tensors, "concat");
  const int a = normalize_axis(axis, tensors[0].ndim(), "concat");
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    Shape expected = tensors[0].shape(), received = tensors[i].shape();
    if (received.size() == expected.size()) expected[a] = received[a];
    if (received != expected)
      throw ShapeError(fmt::format("concat: tensors[{}] has shape {}, which does not match tensors[0]'s {} outside axis {}", i,
                                   shape_to_string(tensors[i].shape()), shape_to_string(tensors[0].shape()), a));
  }
  Tensor out = kernels::concat(tensors, a);
  Shape extents;
  for (const auto& t : tensors) extents.push_back(t.shape()[a]);
  record(out, "concat", tensors, [extents, a](const Tensor& g) {
    std::vector<Tensor> parts;
    Shape starts(g.ndim(), 0), stops = g.shape(), steps(g.ndim(), 1);
    for (auto extent : extents) {
      stops[a] = starts[a] + extent;
      parts.push_back(kernels::slice(g, starts, stops, steps));
      starts[a] = stops[a];
    }
    return parts;
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis) {
  require_tensors(tensors, "stack");
  const int a = normalize_axis(axis, tensors[0].ndim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].shape() != tensors[0].shape())
      throw ShapeError(fmt::format("stack: tensors[{}] has shape {}, expected tensors[0]'s {}", i,
                                   shape_to_string(tensors[i].shape()), shape_to_string(tensors[0].shape())));
    expanded.push_back(unsqueeze(tensors[i], a));
  }
  return concat(expanded, a);
}

Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pad_width, double constant_value) {
  if (static_cast<int>(pad_width.size()) != x.ndim())
    throw_invalid_argument("pad", "pad_width", fmt::format("expected one (before, after) pair per axis of shape {}", shape_to_string(x.shape())),
                           fmt::format("{} pairs", pad_width.size()));
  for (std::size_t a = 0; a < pad_width.size(); ++a)
    if (pad_width[a].first < 0 || pad_width[a].second < 0)
      throw_invalid_argument("pad", "pad_width", "expected non-negative padding",
                             fmt::format("({}, {}) for axis {}", pad_width[a].first, pad_width[a].second, a));
  for (std::size_t a = 0; a < pad_width.size(); ++a)
    if (pad_width[a].first > std::numeric_limits<std::int64_t>::max() - x.shape()[a] - pad_width[a].second)
      throw_invalid_argument("pad", "pad_width", fmt::format("expected a padded extent below 2^63 for axis {} of extent {}", a, x.shape()[a]),
                             fmt::format("({}, {})", pad_width[a].first, pad_width[a].second));
  Tensor out = kernels::pad(x, pad_width, constant_value);
  record(out, "pad", {x}, [pad_width, shape = x.shape()](const Tensor& g) {
    Shape starts, stops, steps(shape.size(), 1);
    for (std::size_t a = 0; a < shape.size(); ++a) {
      starts.push_back(pad_width[a].first);
      stops.push_back(pad_width[a].first + shape[a]);
    }
    return std::vector<Tensor>{kernels::slice(g, starts, stops, steps)};
  });
  return out;
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  checked_element_count(shape, "broadcast_to");
  if (broadcast_shapes(x.shape(), shape, "broadcast_to") != shape)
    throw ShapeError(fmt::format("broadcast_to: cannot broadcast shape {} to {}", shape_to_string(x.shape()), shape_to_string(shape)));
  Tensor out = kernels::broadcast_to(x, shape);
  // The engine sums the gradient back to x's shape.
  record(out, "broadcast_to", {x}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  Tensor out = kernels::cast(x, dtype);
  record(out, "cast", {x}, [from = x.dtype()](const Tensor& g) { return std::vector<Tensor>{kernels::cast(g, from)}; });
  return out;
}

}  // namespace minidl
