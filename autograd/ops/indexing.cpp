#include <minidl/autograd/ops/indexing.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/kernels.hpp>
#include <minidl/core/shape.hpp>

#include <cmath>
#include <fmt/format.h>

namespace minidl {
namespace {

// x seen as (outer, extent, inner) around axis a.
struct AxisView {
  std::int64_t outer, extent, inner;
  AxisView(const Shape& shape, int a)
      : outer(element_count(Shape(shape.begin(), shape.begin() + a))),
        extent(shape[std::size_t(a)]),
        inner(element_count(Shape(shape.begin() + a + 1, shape.end()))) {}
};

// The whole numbers a tensor of indices holds.
std::vector<std::int64_t> whole_numbers(const Tensor& indices, std::string_view op, std::string_view argument) {
  std::vector<std::int64_t> out;
  const auto values = indices.to_vector<double>();
  out.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!(std::trunc(v) == v) || std::abs(v) > 9.0e15)
      throw InvalidArgument(fmt::format("{}: invalid argument `{}`: expected whole numbers (indices), received {} at flat position {}", op,
                                        argument, v, i));
    out.push_back(std::int64_t(v));
  }
  return out;
}

template <bool largest>
Tensor arg_extreme(const Tensor& x_in, std::optional<std::int64_t> axis, bool keepdims, std::string_view op) {
  const Tensor x = axis ? x_in.contiguous() : kernels::reshape(x_in.contiguous(), {x_in.size()});
  const int a = axis ? normalize_axis(*axis, x.ndim(), op) : 0;
  const AxisView view(x.shape(), a);
  if (view.extent == 0)
    throw ShapeError(fmt::format("{}: the axis searched has no elements (x has shape {})", op, shape_to_string(x_in.shape())));
  Shape out_shape;
  if (axis) {
    out_shape = x.shape();
    if (keepdims) out_shape[std::size_t(a)] = 1;
    else out_shape.erase(out_shape.begin() + a);
  } else if (keepdims) {
    out_shape.assign(x_in.shape().size(), 1);
  }
  Tensor out = Tensor::empty(out_shape, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* result = out.data<T>();
    for (std::int64_t o = 0; o < view.outer; ++o)
      for (std::int64_t i = 0; i < view.inner; ++i) {
        const T* line = in + o * view.extent * view.inner + i;
        std::int64_t best = 0;
        for (std::int64_t k = 1; k < view.extent && !std::isnan(line[best * view.inner]); ++k) {
          const T v = line[k * view.inner], b = line[best * view.inner];
          if (std::isnan(v) || (largest ? v > b : v < b)) best = k;
        }
        result[o * view.inner + i] = T(best);
      }
  });
  return out;
}

// Every output slice's gradient added into the slice of x it came from.
Tensor scatter_add(const Tensor& g_in, const std::vector<std::int64_t>& picked, const AxisView& view, const Shape& x_shape) {
  const Tensor g = g_in.contiguous();
  Tensor out = Tensor::zeros(x_shape, g.dtype());
  const auto count = std::int64_t(picked.size());
  dispatch(g.dtype(), [&]<class T>() {
    const T* source = g.data<T>();
    T* target = out.data<T>();
    for (std::int64_t o = 0; o < view.outer; ++o)
      for (std::int64_t k = 0; k < count; ++k) {
        const T* from = source + (o * count + k) * view.inner;
        T* to = target + (o * view.extent + picked[std::size_t(k)]) * view.inner;
        for (std::int64_t i = 0; i < view.inner; ++i) to[i] += from[i];
      }
  });
  return out;
}

Tensor take_whole(const Tensor& x_in, std::vector<std::int64_t> picked, const Shape& indices_shape, std::optional<std::int64_t> axis) {
  const Tensor x = axis ? x_in.contiguous() : kernels::reshape(x_in.contiguous(), {x_in.size()});
  const int a = axis ? normalize_axis(*axis, x.ndim(), "take") : 0;
  const AxisView view(x.shape(), a);
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const std::int64_t given = picked[k];
    if (given < 0) picked[k] += view.extent;
    if (picked[k] < 0 || picked[k] >= view.extent)
      throw InvalidArgument(fmt::format("take: invalid argument `indices`: expected indices in [{}, {}) for axis {} of extent {}, received {} at "
                                        "flat position {}",
                                        -view.extent, view.extent, axis ? fmt::format("{}", *axis) : "None (flattened)", view.extent, given, k));
  }
  Shape out_shape(x.shape().begin(), x.shape().begin() + a);
  out_shape.insert(out_shape.end(), indices_shape.begin(), indices_shape.end());
  out_shape.insert(out_shape.end(), x.shape().begin() + a + 1, x.shape().end());
  Tensor out = Tensor::empty(out_shape, x.dtype());
  const auto count = std::int64_t(picked.size());
  dispatch(x.dtype(), [&]<class T>() {
    const T* source = x.data<T>();
    T* target = out.data<T>();
    for (std::int64_t o = 0; o < view.outer; ++o)
      for (std::int64_t k = 0; k < count; ++k) {
        const T* from = source + (o * view.extent + picked[std::size_t(k)]) * view.inner;
        std::copy(from, from + view.inner, target + (o * count + k) * view.inner);
      }
  });
  record(out, "take", {x_in}, [picked = std::move(picked), view, x_shape = x.shape(), original = x_in.shape()](const Tensor& g) {
    return std::vector<Tensor>{kernels::reshape(scatter_add(g, picked, view, x_shape), original)};
  });
  return out;
}

}  // namespace

Tensor argmax(const Tensor& x, std::optional<std::int64_t> axis, bool keepdims) { return arg_extreme<true>(x, axis, keepdims, "argmax"); }

Tensor argmin(const Tensor& x, std::optional<std::int64_t> axis, bool keepdims) { return arg_extreme<false>(x, axis, keepdims, "argmin"); }

Tensor take(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> axis) {
  return take_whole(x, whole_numbers(indices, "take", "indices"), indices.shape(), axis);
}

Tensor take(const Tensor& x, const std::vector<std::int64_t>& indices, std::optional<std::int64_t> axis) {
  return take_whole(x, indices, {std::int64_t(indices.size())}, axis);
}

Tensor one_hot(const Tensor& x, std::int64_t num_classes, std::int64_t axis) {
  if (num_classes <= 0)
    throw InvalidArgument(fmt::format("one_hot: invalid argument `num_classes`: expected a positive integer, received num_classes={}", num_classes));
  const auto classes = whole_numbers(x, "one_hot", "x");
  const int a = normalize_axis(axis, x.ndim() + 1, "one_hot");
  // Written straight in place: x's element at (before, after) around `a` sets (before, class, after).
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, num_classes);
  Tensor out = Tensor::zeros(shape, x.dtype());
  const std::int64_t after = element_count(Shape(x.shape().begin() + a, x.shape().end()));
  dispatch(x.dtype(), [&]<class T>() {
    T* target = out.data<T>();
    for (std::size_t i = 0; i < classes.size(); ++i) {
      if (classes[i] < 0 || classes[i] >= num_classes) continue;
      const auto flat = std::int64_t(i);
      target[(flat / after * num_classes + classes[i]) * after + flat % after] = T(1);
    }
  });
  return out;
}

}  // namespace minidl
