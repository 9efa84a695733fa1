#pragma once
// Row-major gemm on raw pointers with leading dimensions, for float and double:
//   c = alpha · op(a) · op(b) + beta · c, with op(a) m×k, op(b) k×n, c m×n.
// Internal to the kernels (it includes cblas.h).
#include <minidl/core/errors.hpp>

#include <cblas.h>
#include <climits>
#include <cstdint>

namespace minidl::kernels {

// BLAS counts in int: larger operands are refused rather than silently truncated.
inline void require_blas_sizes(std::initializer_list<std::int64_t> sizes) {
  for (auto size : sizes)
    if (size > INT_MAX)
      throw InvalidArgument("gemm: a matrix dimension exceeds what BLAS can index (2^31 - 1); split the computation");
}

inline void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                 const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
                 std::int64_t ldc) {
  require_blas_sizes({m, n, k, lda, ldb, ldc});
  cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

inline void gemm(bool transpose_a, bool transpose_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                 const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c,
                 std::int64_t ldc) {
  require_blas_sizes({m, n, k, lda, ldb, ldc});
  cblas_dgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

}  // namespace minidl::kernels
