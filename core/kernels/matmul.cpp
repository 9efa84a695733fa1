// Batched matrix products, with NumPy's broadcasting of batch dimensions: through BLAS gemm in
// float32, through the ordered gemm in float64 (see ordered_gemm.hpp: a row's products then do
// not depend on the rows computed with it, which streams rely on).
#include <minidl/core/kernels/kernels.hpp>

#include <minidl/core/kernels/blas.hpp>
#include <minidl/core/kernels/ordered_gemm.hpp>

#include <algorithm>
#include <type_traits>

namespace minidl::kernels {

namespace {

// A matrix operand gemm can read without a copy: row-major, or row-major transposed (as a
// transpose() view of a contiguous matrix is). Anything else is packed first.
struct MatrixOperand {
  Tensor storage;
  bool transposed = false;
};

MatrixOperand as_gemm_operand(const Tensor& x) {
  if (x.dtype() == DType::float64) return {x.contiguous(), false};  // the ordered gemm reads rows only
  const int rank = x.ndim();
  const auto rows = x.shape()[rank - 2], columns = x.shape()[rank - 1];
  const auto row_stride = x.strides()[rank - 2], column_stride = x.strides()[rank - 1];
  bool batch_packed = true;
  std::int64_t expected = rows * columns;
  for (int axis = rank - 3; axis >= 0; --axis) {
    if (x.shape()[axis] != 1 && x.strides()[axis] != expected) batch_packed = false;
    expected *= x.shape()[axis];
  }
  if (batch_packed && rows > 1 && columns > 1 && row_stride == 1 && column_stride == rows)
    return {x, true};
  return {x.contiguous(), false};
}

// c = a · b with contiguous operands unless transposed (never in float64: as_gemm_operand packs
// float64 operands, since the ordered gemm reads rows only).
template <class T>
void product(bool transpose_a, bool transpose_b, std::int64_t rows, std::int64_t columns, std::int64_t depth, const T* a,
             std::int64_t lda, const T* b, std::int64_t ldb, T* c, std::int64_t ldc) {
  if constexpr (std::is_same_v<T, double>) {
    for (std::int64_t i = 0; i < rows; ++i) std::fill(c + i * ldc, c + i * ldc + columns, 0.0);
    ordered_gemm(rows, columns, depth, a, lda, b, ldb, c, ldc);
  } else {
    gemm(transpose_a, transpose_b, rows, columns, depth, T(1), a, lda, b, ldb, T(0), c, ldc);
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int rank_a = a.ndim(), rank_b = b.ndim();
  const auto n = a.shape()[rank_a - 2], k = a.shape()[rank_a - 1], m = b.shape()[rank_b - 1];
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor out = Tensor::empty(out_shape, a.dtype());
  if (out.size() == 0) return out;
  if (k == 0) return Tensor::zeros(out_shape, a.dtype());

  // One gemm when b is a single matrix: fold a's batch into its rows.
  const bool fold_batch = element_count(batch_b) == 1 && batch_a == batch;
  const MatrixOperand left =
      fold_batch && a.ndim() > 2 ? MatrixOperand{a.contiguous(), false} : as_gemm_operand(a);
  const MatrixOperand right = as_gemm_operand(b);
  dispatch(a.dtype(), [&]<class T>() {
    const T* a_data = left.storage.template data<T>();
    const T* b_data = right.storage.template data<T>();
    T* c_data = out.data<T>();
    if (fold_batch) {
      const std::int64_t rows = element_count(batch) * n;
      product(left.transposed, right.transposed, rows, m, k, a_data, left.transposed ? rows : k, b_data,
              right.transposed ? k : m, c_data, m);
      return;
    }
    // Walk the broadcast batch: each output matrix picks its operands' matrices by batch index.
    const std::int64_t batches = element_count(batch);
    const Shape batch_strides = contiguous_strides(batch);
    for (std::int64_t index = 0; index < batches; ++index) {
      std::int64_t matrix_a = 0, matrix_b = 0, stride_a = 1, stride_b = 1;
      for (int axis = static_cast<int>(batch.size()) - 1; axis >= 0; --axis) {
        const std::int64_t position = (index / batch_strides[axis]) % batch[axis];
        const int axis_a = axis - static_cast<int>(batch.size() - batch_a.size());
        const int axis_b = axis - static_cast<int>(batch.size() - batch_b.size());
        if (axis_a >= 0) {
          if (batch_a[axis_a] != 1) matrix_a += position * stride_a;
          stride_a *= batch_a[axis_a];
        }
        if (axis_b >= 0) {
          if (batch_b[axis_b] != 1) matrix_b += position * stride_b;
          stride_b *= batch_b[axis_b];
        }
      }
      product(left.transposed, right.transposed, n, m, k, a_data + matrix_a * n * k, left.transposed ? n : k,
              b_data + matrix_b * k * m, right.transposed ? k : m, c_data + index * n * m, m);
    }
  });
  return out;
}

}  // namespace minidl::kernels
