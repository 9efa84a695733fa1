#pragma once
// The arithmetic of recurrent_sequence's cells (autograd/ops/recurrent.cpp), apart from the walk
// through time: each activation with its slope taken from its output, over whole rows (xsimd for
// tanh and the sigmoid), and the gemms that meet a dropout mask. Internal to that op.
#include <minidl/autograd/ops/recurrent.hpp>
#include <minidl/core/kernels/blas.hpp>
#include <minidl/core/kernels/transcendental.hpp>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>
#include <xsimd/xsimd.hpp>

namespace minidl::cell_math {

template <class T>
T activate(CellActivation f, T a) {
  switch (f) {
    case CellActivation::tanh: return std::tanh(a);
    case CellActivation::sigmoid: return T(1) / (T(1) + std::exp(-a));
    case CellActivation::hard_sigmoid: return std::clamp((a + T(3)) / T(6), T(0), T(1));  // Keras 3: relu6(x + 3) / 6
    case CellActivation::relu: return a > T(0) ? a : T(0);
    case CellActivation::linear: return a;
  }
  return a;
}

// f' from f's output y, which the forward pass keeps: no transcendental is computed twice. (relu's
// and hard_sigmoid's kinks get slope 0, as torch's.)
template <class T>
T slope_from_output(CellActivation f, T y) {
  switch (f) {
    case CellActivation::tanh: return T(1) - y * y;
    case CellActivation::sigmoid: return y * (T(1) - y);
    case CellActivation::hard_sigmoid: return y > T(0) && y < T(1) ? T(1) / T(6) : T(0);
    case CellActivation::relu: return y > T(0) ? T(1) : T(0);
    case CellActivation::linear: return T(1);
  }
  return T(1);
}

// f over a row of n values (in place allowed), vectorized where it matters: tanh and the sigmoid
// (float32 in the CPU's widest vectors, float64 with xsimd).
template <class T>
void activate_row(CellActivation f, const T* in, T* out, std::int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (f == CellActivation::tanh) return kernels::tanh_row(in, out, n);
    if (f == CellActivation::sigmoid) return kernels::sigmoid_row(in, out, n);
  }
  using Batch = xsimd::batch<T>;
  constexpr auto width = std::int64_t(Batch::size);
  std::int64_t i = 0;
  if (f == CellActivation::tanh)
    for (; i + width <= n; i += width) xsimd::tanh(Batch::load_unaligned(in + i)).store_unaligned(out + i);
  else if (f == CellActivation::sigmoid)
    for (; i + width <= n; i += width) (Batch(T(1)) / (Batch(T(1)) + xsimd::exp(-Batch::load_unaligned(in + i)))).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = activate(f, in[i]);
}

template <class T>
void slope_row(CellActivation f, const T* y, T* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = slope_from_output(f, y[i]);
}

// dst (rows_per_batch·batch rows of `width`) = src ∘ keep, keep's row b for rows b·rows_per_batch..
template <class T>
void keep_rows(const T* src, std::int64_t src_ld, std::int64_t batch, std::int64_t rows_per_batch, std::int64_t width, const T* keep,
               T* dst) {
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t r = 0; r < rows_per_batch; ++r) {
      const std::int64_t row = b * rows_per_batch + r;
      for (std::int64_t j = 0; j < width; ++j) dst[row * width + j] = src[row * src_ld + j] * keep[b * width + j];
    }
}

// The gemms that meet a dropout mask, for gates [first, first + count) of width `units` each
// (columns first·units.. of the weight, whose leading dimension is ld). Without the mask one gemm
// covers every gate at once; with it, each gate's own mask (or the one shared mask) applies.
template <class T>
struct MaskedWeight {
  const T* weight;
  std::int64_t ld, units, batch;
  const T* keep;          // (groups, batch, in_width) or null
  std::int64_t groups;    // 1 or the gate count
  std::int64_t in_width;  // features or units

  const T* keep_of(std::int64_t gate) const { return keep + (groups == 1 ? 0 : gate) * batch * in_width; }

  // dst[:, 0..count·units) (beta) + (src ∘ keep) · W[:, gates]; src has rows_per_batch·batch rows.
  void forward(const T* src, std::int64_t src_ld, std::int64_t rows_per_batch, std::int64_t first, std::int64_t count, T* dst,
               std::int64_t dst_ld, T beta) const {
    const std::int64_t rows = rows_per_batch * batch;
    if (!keep) {
      kernels::gemm(false, false, rows, count * units, in_width, T(1), src, src_ld, weight + first * units, ld, beta, dst, dst_ld);
      return;
    }
    std::vector<T> kept(std::size_t(rows * in_width));
    const std::int64_t span = groups == 1 ? count : 1;
    for (std::int64_t gate = first; gate < first + count; gate += span) {
      keep_rows(src, src_ld, batch, rows_per_batch, in_width, keep_of(gate), kept.data());
      kernels::gemm(false, false, rows, span * units, in_width, T(1), kept.data(), in_width, weight + gate * units, ld, beta,
                    dst + (gate - first) * units, dst_ld);
    }
  }

  // d_src (beta) + (d · W[:, gates]ᵀ) ∘ keep.
  void backward_input(const T* d, std::int64_t d_ld, std::int64_t rows_per_batch, std::int64_t first, std::int64_t count, T* d_src,
                      T beta) const {
    const std::int64_t rows = rows_per_batch * batch;
    if (!keep) {
      kernels::gemm(false, true, rows, in_width, count * units, T(1), d, d_ld, weight + first * units, ld, beta, d_src, in_width);
      return;
    }
    if (beta == T(0)) std::fill_n(d_src, rows * in_width, T(0));
    std::vector<T> part(std::size_t(rows * in_width));
    const std::int64_t span = groups == 1 ? count : 1;
    for (std::int64_t gate = first; gate < first + count; gate += span) {
      kernels::gemm(false, true, rows, in_width, span * units, T(1), d + (gate - first) * units, d_ld, weight + gate * units, ld, T(0),
                    part.data(), in_width);
      const T* k = keep_of(gate);
      for (std::int64_t row = 0; row < rows; ++row)
        for (std::int64_t j = 0; j < in_width; ++j) d_src[row * in_width + j] += part[std::size_t(row * in_width + j)] * k[(row / rows_per_batch) * in_width + j];
    }
  }

  // d_W[:, gates] = (src ∘ keep)ᵀ · d, over rows_per_batch·batch rows.
  void backward_weight(const T* src, std::int64_t rows_per_batch, const T* d, std::int64_t d_ld, std::int64_t first, std::int64_t count,
                       T* d_weight) const {
    const std::int64_t rows = rows_per_batch * batch;
    if (!keep) {
      kernels::gemm(true, false, in_width, count * units, rows, T(1), src, in_width, d, d_ld, T(0), d_weight + first * units, ld);
      return;
    }
    std::vector<T> kept(std::size_t(rows * in_width));
    const std::int64_t span = groups == 1 ? count : 1;
    for (std::int64_t gate = first; gate < first + count; gate += span) {
      keep_rows(src, in_width, batch, rows_per_batch, in_width, keep_of(gate), kept.data());
      kernels::gemm(true, false, in_width, span * units, rows, T(1), kept.data(), in_width, d + (gate - first) * units, d_ld, T(0),
                    d_weight + gate * units, ld);
    }
  }
};

}  // namespace minidl::cell_math
