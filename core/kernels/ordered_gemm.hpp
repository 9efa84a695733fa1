#pragma once
// c += a · b on row-major matrices with leading dimensions (a m×k, b k×n, c m×n), in which every
// element of c adds its k products to itself one after another, in order:
//   c[i, j] ← fma(a[i, k−1], b[k−1, j], … fma(a[i, 0], b[0, j], c[i, j]) …)
// with fused multiply-adds where the CPU has them, whatever m and n are. A row of c therefore
// comes out the same computed alone or among others, which BLAS does not promise (OpenBLAS
// computes an odd last row with another kernel, rounding differently). The float64 forward passes
// of conv1d and matmul go through it, so that a stream (streaming/) computing one step at a time
// reproduces them bit for bit; streams use it in float32 too. Internal to the kernels.
#include <cstdint>

namespace minidl::kernels {

void ordered_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda, const float* b,
                  std::int64_t ldb, float* c, std::int64_t ldc);
void ordered_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const double* a, std::int64_t lda, const double* b,
                  std::int64_t ldb, double* c, std::int64_t ldc);

}  // namespace minidl::kernels
