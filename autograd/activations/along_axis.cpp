// Activations that act along an axis: softmax, log_softmax, sparsemax, glu.
#include <minidl/autograd/activations/activations.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace minidl::activations {

namespace {

// x minus its maximum along `axis`; the shift is a constant to autograd (softmax does not change
// under a shift, so its gradient is the same) and keeps exp from overflowing.
Tensor shifted_by_max(const Tensor& x, std::int64_t axis) { return x - max(x, {axis}, true).detach(); }

// Moves `axis` last and packs the rows, for kernels that work row by row.
std::vector<int> axis_last_order(int rank, int axis) {
  std::vector<int> order;
  for (int a = 0; a < rank; ++a)
    if (a != axis) order.push_back(a);
  order.push_back(axis);
  return order;
}

std::vector<int> inverse(const std::vector<int>& order) {
  std::vector<int> result(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) result[order[i]] = static_cast<int>(i);
  return result;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
  normalize_axis(axis, x.ndim(), "softmax");
  const Tensor e = exp(shifted_by_max(x, axis));
  return e / sum(e, {axis}, true);
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  normalize_axis(axis, x.ndim(), "log_softmax");
  const Tensor shifted = shifted_by_max(x, axis);
  return shifted - log(sum(exp(shifted), {axis}, true));
}

Tensor sparsemax(const Tensor& x, std::int64_t axis) {
  const int a = normalize_axis(axis, x.ndim(), "sparsemax");
  const auto order = axis_last_order(x.ndim(), a);
  const Tensor rows = kernels::permute(x, order).contiguous();
  const std::int64_t width = rows.shape().back();
  const std::int64_t count = width == 0 ? 0 : rows.size() / width;
  Tensor projected = Tensor::empty(rows.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* in = rows.data<T>();
    T* out = projected.data<T>();
    std::vector<T> sorted(width);
    for (std::int64_t row = 0; row < count; ++row) {
      const T* z = in + row * width;
      std::copy(z, z + width, sorted.begin());
      std::sort(sorted.begin(), sorted.end(), std::greater<T>());
      // tau is set by the largest k with 1 + k·z_(k) > sum of the k largest.
      T running = 0, tau = 0;
      for (std::int64_t k = 1; k <= width; ++k) {
        running += sorted[k - 1];
        if (T(1) + T(k) * sorted[k - 1] > running) tau = (running - T(1)) / T(k);
      }
      for (std::int64_t i = 0; i < width; ++i) out[row * width + i] = std::max(z[i] - tau, T(0));
    }
  });
  Tensor out = kernels::permute(projected, inverse(order));
  // On the support S: dx = g − mean_S(g); elsewhere 0.
  record(out, "sparsemax", {x}, [y = saved(out), a](const Tensor& g) {
    const Tensor support = greater(y, Tensor::scalar(0.0, y.dtype()));
    const Tensor masked = g * support;
    const Tensor support_mean = sum(masked, {a}, true) / sum(support, {a}, true);
    return std::vector<Tensor>{support * (g - support_mean)};
  });
  return out;
}

Tensor glu(const Tensor& x, std::int64_t axis) {
  const int a = normalize_axis(axis, x.ndim(), "glu");
  const auto extent = x.shape()[a];
  if (extent % 2 != 0)
    throw_invalid_argument("glu", "x", fmt::format("expected an even extent along axis {}", axis),
                           fmt::format("shape {}", shape_to_string(x.shape())));
  return slice(x, a, 0, extent / 2) * minidl::sigmoid(slice(x, a, extent / 2, extent));
}

}  // namespace minidl::activations
