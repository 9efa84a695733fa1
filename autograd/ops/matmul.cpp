#include <minidl/autograd/ops/matmul.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/elementwise.hpp>
#include <minidl/core/kernels/kernels.hpp>

#include <fmt/format.h>

namespace minidl {

namespace {

// Swaps the last two axes (a view: the gemm reads it transposed without a copy).
Tensor swap_last_axes(const Tensor& x) {
  std::vector<int> axes;
  for (int a = 0; a < x.ndim(); ++a) axes.push_back(a);
  std::swap(axes[x.ndim() - 1], axes[x.ndim() - 2]);
  return kernels::permute(x, axes);
}

Tensor matrix_product(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::matmul(a, b);
  record(out, "matmul", {a, b}, [a = saved(a), b = saved(b), need_a = needs_grad(a), need_b = needs_grad(b)](const Tensor& g) {
    return std::vector<Tensor>{need_a ? kernels::matmul(g, swap_last_axes(b)) : Tensor(),
                               need_b ? kernels::matmul(swap_last_axes(a), g) : Tensor()};
  });
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  kernels::require_same_dtype(a, b, "matmul");
  if (a.ndim() == 0 || b.ndim() == 0)
    throw_invalid_argument("matmul", a.ndim() == 0 ? "a" : "b", "expected at least one dimension", "a scalar");
  const auto inner_a = a.shape().back();
  const auto inner_b = b.ndim() == 1 ? b.shape()[0] : b.shape()[b.ndim() - 2];
  if (inner_a != inner_b)
    throw ShapeError(fmt::format("matmul: inner dimensions differ: a has shape {} (inner {}), b has shape {} (inner {})",
                                 shape_to_string(a.shape()), inner_a, shape_to_string(b.shape()), inner_b));
  if (a.ndim() > 2 && b.ndim() > 2) {
    const Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
    broadcast_shapes(batch_a, batch_b, "matmul (batch dimensions)");
  }
  const Tensor left = a.ndim() == 1 ? unsqueeze(a, 0) : a;
  const Tensor right = b.ndim() == 1 ? unsqueeze(b, 1) : b;
  Tensor out = matrix_product(left, right);
  if (a.ndim() == 1) out = squeeze(out, {-2});
  if (b.ndim() == 1) out = squeeze(out, {-1});
  return out;
}

}  // namespace minidl
