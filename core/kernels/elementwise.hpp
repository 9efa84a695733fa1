#pragma once
// Elementwise kernels over one, two or three operands with NumPy broadcasting. Templates: include
// only from the .cpp files of ops. The functor is generic (called with float or double).
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/strided.hpp>
#include <minidl/core/tensor.hpp>

#include <fmt/format.h>
#include <string_view>

namespace minidl::kernels {

inline void require_same_dtype(const Tensor& a, const Tensor& b, std::string_view op) {
  if (a.dtype() != b.dtype())
    throw InvalidArgument(fmt::format("{}: operands have different dtypes, {} and {}; cast one explicitly",
                                      op, dtype_name(a.dtype()), dtype_name(b.dtype())));
}

// The contiguous loops. The output is always fresh storage, never an input, so the pointers are
// restrict: the compiler then keeps them in registers and vectorizes.
template <class T, class F>
void map_contiguous(std::int64_t n, T* __restrict out, const T* __restrict a, F f) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i]);
}
template <class T, class F>
void map_contiguous(std::int64_t n, T* __restrict out, const T* __restrict a, const T* __restrict b, F f) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}
template <class T, class F>
void map_contiguous(std::int64_t n, T* __restrict out, const T* __restrict a, const T* __restrict b, const T* __restrict c, F f) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i], c[i]);
}

// out[i] = f(x[i]) into new contiguous storage.
template <class F>
Tensor map_unary(const Tensor& x, F f) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* in = x.data<T>();
    T* result = out.data<T>();
    if (x.is_contiguous()) {
      map_contiguous(x.size(), result, in, f);
      return;
    }
    const Shape& packed = out.strides();
    for_each_offset(x.shape(), packed, x.strides(),
                    [&](std::int64_t target, std::int64_t source) { result[target] = f(in[source]); });
  });
  return out;
}

// out = f(a, b) with NumPy broadcasting; `op` names the operation in errors.
template <class F>
Tensor map_binary(const Tensor& a, const Tensor& b, std::string_view op, F f) {
  require_same_dtype(a, b, op);
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch(a.dtype(), [&]<class T>() {
    const T* left = a.data<T>();
    const T* right = b.data<T>();
    T* result = out.data<T>();
    const std::int64_t n = out.size();
    if (a.shape() == b.shape() && a.is_contiguous() && b.is_contiguous()) {
      map_contiguous(n, result, left, right, f);
    } else if (b.size() == 1 && a.shape() == shape && a.is_contiguous()) {
      const T scalar = right[0];
      map_contiguous(n, result, left, [&f, scalar](T value) { return f(value, scalar); });
    } else {
      const Shape strides_a = broadcast_strides(a.shape(), a.strides(), shape);
      const Shape strides_b = broadcast_strides(b.shape(), b.strides(), shape);
      std::int64_t next = 0;
      for_each_offset(shape, strides_a, strides_b,
                      [&](std::int64_t i, std::int64_t j) { result[next++] = f(left[i], right[j]); });
    }
  });
  return out;
}

// out = f(a, b, c) with NumPy broadcasting across all three.
template <class F>
Tensor map_ternary(const Tensor& a, const Tensor& b, const Tensor& c, std::string_view op, F f) {
  require_same_dtype(a, b, op);
  require_same_dtype(a, c, op);
  const Shape shape = broadcast_shapes(broadcast_shapes(a.shape(), b.shape(), op), c.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch(a.dtype(), [&]<class T>() {
    const T* first = a.data<T>();
    const T* second = b.data<T>();
    const T* third = c.data<T>();
    T* result = out.data<T>();
    if (a.shape() == shape && b.shape() == shape && c.shape() == shape && a.is_contiguous() && b.is_contiguous() &&
        c.is_contiguous()) {
      map_contiguous(out.size(), result, first, second, third, f);
      return;
    }
    const Shape strides_a = broadcast_strides(a.shape(), a.strides(), shape);
    const Shape strides_b = broadcast_strides(b.shape(), b.strides(), shape);
    const Shape strides_c = broadcast_strides(c.shape(), c.strides(), shape);
    std::int64_t next = 0;
    for_each_offsets<3>(shape, {&strides_a, &strides_b, &strides_c}, [&](const std::array<std::int64_t, 3>& at) {
      result[next++] = f(first[at[0]], second[at[1]], third[at[2]]);
    });
  });
  return out;
}

}  // namespace minidl::kernels
