// Blocks of up to 4 rows × 2 vectors of c stay in registers across all of k; b is read where it
// lies (no packing, which is what makes BLAS slow on the one-row products of a stream). Each
// element's arithmetic is the same in every block shape and in the scalar tail: one fused
// multiply-add per product, in k's order.
#include <minidl/core/kernels/ordered_gemm.hpp>

#include <cmath>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace minidl::kernels {

namespace {

struct Operands {
  std::int64_t k;
  std::int64_t lda, ldb, ldc;
};

#if defined(__x86_64__) || defined(__i386__)
#define MINIDL_FMA_TARGET __attribute__((target("avx2,fma"), always_inline)) inline

template <class T>
struct Fma;

template <>
struct Fma<float> {
  using Vector = __m256;
  static constexpr std::int64_t lanes = 8;
  MINIDL_FMA_TARGET static Vector load(const float* p) { return _mm256_loadu_ps(p); }
  MINIDL_FMA_TARGET static void store(float* p, Vector v) { _mm256_storeu_ps(p, v); }
  MINIDL_FMA_TARGET static Vector broadcast(float v) { return _mm256_set1_ps(v); }
  MINIDL_FMA_TARGET static Vector multiply_add(Vector a, Vector b, Vector c) { return _mm256_fmadd_ps(a, b, c); }
};

template <>
struct Fma<double> {
  using Vector = __m256d;
  static constexpr std::int64_t lanes = 4;
  MINIDL_FMA_TARGET static Vector load(const double* p) { return _mm256_loadu_pd(p); }
  MINIDL_FMA_TARGET static void store(double* p, Vector v) { _mm256_storeu_pd(p, v); }
  MINIDL_FMA_TARGET static Vector broadcast(double v) { return _mm256_set1_pd(v); }
  MINIDL_FMA_TARGET static Vector multiply_add(Vector a, Vector b, Vector c) { return _mm256_fmadd_pd(a, b, c); }
};

// Rows × Vectors·lanes elements of c at (a, b, c), all k products each.
template <class T, int Rows, int Vectors>
MINIDL_FMA_TARGET void fma_block(const Operands& o, const T* a, const T* b, T* c) {
  using F = Fma<T>;
  typename F::Vector sums[Rows][Vectors];
#pragma GCC unroll 4
  for (int row = 0; row < Rows; ++row)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) sums[row][v] = F::load(c + row * o.ldc + v * F::lanes);
  for (std::int64_t p = 0; p < o.k; ++p) {
    typename F::Vector factors[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) factors[v] = F::load(b + p * o.ldb + v * F::lanes);
#pragma GCC unroll 4
    for (int row = 0; row < Rows; ++row) {
      const auto scalar = F::broadcast(a[row * o.lda + p]);
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) sums[row][v] = F::multiply_add(scalar, factors[v], sums[row][v]);
    }
  }
#pragma GCC unroll 4
  for (int row = 0; row < Rows; ++row)
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) F::store(c + row * o.ldc + v * F::lanes, sums[row][v]);
}

// Rows rows of c from column `first` on: blocks of two vectors, then one, then lane by lane.
template <class T, int Rows>
MINIDL_FMA_TARGET void fma_rows(const Operands& o, std::int64_t n, std::int64_t first, const T* a, const T* b, T* c) {
  constexpr std::int64_t lanes = Fma<T>::lanes;
  std::int64_t j = first;
  for (; j + 2 * lanes <= n; j += 2 * lanes) fma_block<T, Rows, 2>(o, a, b + j, c + j);
  for (; j + lanes <= n; j += lanes) fma_block<T, Rows, 1>(o, a, b + j, c + j);
  for (; j < n; ++j)
    for (int row = 0; row < Rows; ++row) {
      T sum = c[row * o.ldc + j];
      for (std::int64_t p = 0; p < o.k; ++p) sum = std::fma(a[row * o.lda + p], b[p * o.ldb + j], sum);
      c[row * o.ldc + j] = sum;
    }
}

template <class T>
__attribute__((target("avx2,fma"))) void ordered_gemm_fma(std::int64_t m, std::int64_t n, const Operands& o, const T* a,
                                                          const T* b, T* c) {
  std::int64_t i = 0;
  for (; i + 4 <= m; i += 4) fma_rows<T, 4>(o, n, 0, a + i * o.lda, b, c + i * o.ldc);
  for (; i < m; ++i) fma_rows<T, 1>(o, n, 0, a + i * o.lda, b, c + i * o.ldc);
}

bool cpu_has_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

#undef MINIDL_FMA_TARGET
#endif

// Without AVX2's FMA: a multiply, then an add, in the same order (on x86-64 this function is
// compiled for the baseline instruction set, which has no fused multiply-add to contract them
// into; where the baseline has one, as AArch64's does, the compiler fuses every element alike).
template <class T>
void ordered_gemm_plain(std::int64_t m, std::int64_t n, const Operands& o, const T* a, const T* b, T* c) {
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      T sum = c[i * o.ldc + j];
      for (std::int64_t p = 0; p < o.k; ++p) sum = sum + a[i * o.lda + p] * b[p * o.ldb + j];
      c[i * o.ldc + j] = sum;
    }
}

template <class T>
void ordered_gemm_of(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda, const T* b,
                     std::int64_t ldb, T* c, std::int64_t ldc) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  const Operands operands{k, lda, ldb, ldc};
#if defined(__x86_64__) || defined(__i386__)
  if (cpu_has_fma()) return ordered_gemm_fma(m, n, operands, a, b, c);
#endif
  ordered_gemm_plain(m, n, operands, a, b, c);
}

}  // namespace

void ordered_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda, const float* b,
                  std::int64_t ldb, float* c, std::int64_t ldc) {
  ordered_gemm_of(m, n, k, a, lda, b, ldb, c, ldc);
}

void ordered_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const double* a, std::int64_t lda, const double* b,
                  std::int64_t ldb, double* c, std::int64_t ldc) {
  ordered_gemm_of(m, n, k, a, lda, b, ldb, c, ldc);
}

}  // namespace minidl::kernels
