#pragma once
// Converting between minidl Tensors and xtensor containers. Include only where needed: it brings in
// xtensor's templates, which the rest of the public headers keep out.
#include <minidl/core/errors.hpp>
#include <minidl/core/tensor.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

namespace minidl {

// Evaluates any xtensor expression of float or double into a new Tensor of that dtype.
template <class Expression>
Tensor from_xtensor(const xt::xexpression<Expression>& expression) {
  using Value = typename Expression::value_type;
  static_assert(std::is_same_v<Value, float> || std::is_same_v<Value, double>,
                "from_xtensor: minidl tensors hold float or double");
  const xt::xarray<Value, xt::layout_type::row_major> evaluated = expression.derived_cast();
  Shape shape(evaluated.shape().begin(), evaluated.shape().end());
  Tensor result = Tensor::empty(shape, dtype_of<Value>());
  std::copy(evaluated.begin(), evaluated.end(), result.data<Value>());
  return result;
}

// A row-major xarray copy of the tensor; T must match the tensor's dtype.
template <class T>
xt::xarray<T> to_xarray(const Tensor& tensor) {
  if (tensor.dtype() != dtype_of<T>())
    throw InvalidArgument(fmt::format("to_xarray: requested {} from a {} tensor", dtype_name(dtype_of<T>()),
                                      dtype_name(tensor.dtype())));
  const Tensor packed = tensor.contiguous();
  std::vector<std::size_t> shape(packed.shape().begin(), packed.shape().end());
  xt::xarray<T> result(shape);
  std::copy(packed.data<T>(), packed.data<T>() + packed.size(), result.begin());
  return result;
}

}  // namespace minidl
