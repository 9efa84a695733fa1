#include <minidl/core/kernels/depthwise_conv1d.hpp>

#include <minidl/core/kernels/parallel.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

namespace minidl::kernels {

// Named apart, so that a unity build of the kernels keeps these helpers distinct.
namespace depthwise {
namespace {

// 64 bytes of T: one AVX-512 register, two AVX2 ones or four SSE ones, whichever the clone below
// is compiled for. aligned(sizeof(T)): rows start anywhere.
template <class T>
struct Lanes;
template <>
struct Lanes<float> {
  using Vector = float __attribute__((vector_size(64), aligned(4)));
};
template <>
struct Lanes<double> {
  using Vector = double __attribute__((vector_size(64), aligned(8)));
};

// Filters are done a block of two vectors at a time: the sums of a block stay in registers across
// the taps, and the rest of a row (fewer filters than a block) goes lane by lane.
template <class T>
struct Block {
  using Vector = typename Lanes<T>::Vector;
  static constexpr std::int64_t vector_lanes = 64 / sizeof(T);
  static constexpr std::int64_t width = 2 * vector_lanes;
  // Two named values, never an array: an array's address would keep the sums in memory.
  Vector low{}, high{};

  [[gnu::always_inline]] void load(const T* row) {
    std::memcpy(&low, row, sizeof(Vector));
    std::memcpy(&high, row + vector_lanes, sizeof(Vector));
  }
  [[gnu::always_inline]] void store(T* row) const {
    std::memcpy(row, &low, sizeof(Vector));
    std::memcpy(row + vector_lanes, &high, sizeof(Vector));
  }
  [[gnu::always_inline]] void multiply_add(const T* a, const T* b) {
    Vector a_low, a_high, b_low, b_high;
    std::memcpy(&a_low, a, sizeof(Vector));
    std::memcpy(&a_high, a + vector_lanes, sizeof(Vector));
    std::memcpy(&b_low, b, sizeof(Vector));
    std::memcpy(&b_high, b + vector_lanes, sizeof(Vector));
    low += a_low * b_low;
    high += a_high * b_high;
  }
};

// One call's operands: a part [first, last) of the batch, rows of `filters` values (x expanded
// to one value per filter where the multiplier is above 1), and scratch of one batch element.
struct Work {
  DType dtype;
  const void* a;       // forward: x; input gradient: grad; kernel gradient: grad
  const void* b;       // forward and input gradient: kernel; kernel gradient: x
  const void* bias;    // forward only, or null
  void* out;
  void* scratch;       // length·filters values (forward, kernel gradient) or filters (input gradient)
  Conv1dGeometry g;
  std::int64_t first, last;
};

std::int64_t multiplier(const Conv1dGeometry& g) { return g.filters / g.channels; }

// Row p of the batch element's input with each channel repeated `multiplier` times: the lanes of
// the filters that read it. Without a multiplier, x's own row.
template <class T, std::int64_t Multiplier>
[[gnu::always_inline]] inline void repeat_values(const T* __restrict x, std::int64_t count, std::int64_t m, T* __restrict out) {
  const std::int64_t times = Multiplier > 0 ? Multiplier : m;
  for (std::int64_t i = 0; i < count; ++i)
    for (std::int64_t k = 0; k < times; ++k) out[i * times + k] = x[i];
}

// Inlined, as everything the clones below call, so that it is compiled for their instruction set.
template <class T>
[[gnu::always_inline]] inline const T* expanded_input(const T* x, const Conv1dGeometry& g, T* scratch) {
  const std::int64_t m = multiplier(g), count = g.length * g.channels;
  // The common multipliers with the count known to the compiler, which then vectorizes.
  switch (m) {
    case 1: return x;
    case 2: repeat_values<T, 2>(x, count, m, scratch); break;
    case 3: repeat_values<T, 3>(x, count, m, scratch); break;
    case 4: repeat_values<T, 4>(x, count, m, scratch); break;
    default: repeat_values<T, 0>(x, count, m, scratch);
  }
  return scratch;
}

// Calls visit(offset, count) for each block of a row of `filters`, then for the rest.
template <class T, class Visit>
[[gnu::always_inline]] inline void for_each_block(std::int64_t filters, Visit visit) {
  std::int64_t f = 0;
  for (; f + Block<T>::width <= filters; f += Block<T>::width) visit(f, true);
  if (f < filters) visit(f, false);
}

template <class T>
[[gnu::always_inline]] inline void forward_part(const Work& work) {
  const Conv1dGeometry& g = work.g;
  const std::int64_t filters = g.filters, out_length = g.output_length();
  const T* kernel = static_cast<const T*>(work.b);
  const T* bias = static_cast<const T*>(work.bias);
  for (std::int64_t batch = work.first; batch < work.last; ++batch) {
    const T* x = expanded_input(static_cast<const T*>(work.a) + batch * g.length * g.channels, g, static_cast<T*>(work.scratch));
    T* y = static_cast<T*>(work.out) + batch * out_length * filters;
    for (std::int64_t t = 0; t < out_length; ++t) {
      // The taps of step t that read inside the input.
      const std::int64_t start = t * g.stride - g.pad_left;
      const std::int64_t first_tap = start >= 0 ? 0 : (-start + g.dilation - 1) / g.dilation;
      const std::int64_t last_tap = std::min(g.kernel_size, start >= g.length ? 0 : (g.length - 1 - start) / g.dilation + 1);
      for_each_block<T>(filters, [&](std::int64_t f, bool whole) {
        if (whole) {
          Block<T> block;
          if (bias) block.load(bias + f);
          for (std::int64_t j = first_tap; j < last_tap; ++j)
            block.multiply_add(x + (start + j * g.dilation) * filters + f, kernel + j * filters + f);
          block.store(y + t * filters + f);
          return;
        }
        for (std::int64_t lane = f; lane < filters; ++lane) {
          T sum = bias ? bias[lane] : T(0);
          for (std::int64_t j = first_tap; j < last_tap; ++j) sum += x[(start + j * g.dilation) * filters + lane] * kernel[j * filters + lane];
          y[t * filters + lane] = sum;
        }
      });
    }
  }
}

// The sums of each channel's `multiplier` consecutive lanes of a row: the input gradient of a row
// whose channels fed several filters each.
template <class T, std::int64_t Multiplier>
[[gnu::always_inline]] inline void sum_lanes(const T* __restrict row, std::int64_t channels, std::int64_t m, T* __restrict out) {
  const std::int64_t times = Multiplier > 0 ? Multiplier : m;
  for (std::int64_t c = 0; c < channels; ++c) {
    T sum = 0;
    for (std::int64_t k = 0; k < times; ++k) sum += row[c * times + k];
    out[c] = sum;
  }
}

template <class T>
[[gnu::always_inline]] inline void sum_multiplier_lanes(const T* row, const Conv1dGeometry& g, T* out) {
  // The common multipliers with the count known to the compiler, which then vectorizes.
  switch (const std::int64_t m = multiplier(g); m) {
    case 2: sum_lanes<T, 2>(row, g.channels, m, out); break;
    case 3: sum_lanes<T, 3>(row, g.channels, m, out); break;
    case 4: sum_lanes<T, 4>(row, g.channels, m, out); break;
    default: sum_lanes<T, 0>(row, g.channels, m, out);
  }
}

// Input step p hears output step t through tap j where t·s + j·d − pad_left = p: gathered per p,
// so that each input gradient row is written once. Only taps j with j·d ≡ p + pad_left (mod s)
// land on an output step: the first such tap of p's residue, then every s / gcd(d, s)-th, each
// d / gcd(d, s) output steps before the last. Worked out once per residue, not per step: an
// integer division per tap and block cost more than the multiply-adds.
template <class T>
[[gnu::always_inline]] inline void backward_input_part(const Work& work) {
  const Conv1dGeometry& g = work.g;
  const std::int64_t filters = g.filters, out_length = g.output_length(), m = multiplier(g);
  const T* kernel = static_cast<const T*>(work.b);
  T* row = static_cast<T*>(work.scratch);
  const std::int64_t divisor = std::gcd(g.dilation, g.stride);
  const std::int64_t tap_step = g.stride / divisor, steps_between_taps = g.dilation / divisor;
  // The first tap heard by the input steps of each residue of p + pad_left modulo s (kernel_size:
  // none).
  std::vector<std::int64_t> first_tap_of_residue(std::size_t(g.stride), g.kernel_size);
  for (std::int64_t residue = 0; residue < g.stride; ++residue)
    for (std::int64_t j = 0; j < std::min(tap_step, g.kernel_size); ++j)
      if ((residue - j * g.dilation % g.stride + g.stride) % g.stride == 0) {
        first_tap_of_residue[std::size_t(residue)] = j;
        break;
      }
  for (std::int64_t batch = work.first; batch < work.last; ++batch) {
    const T* grad = static_cast<const T*>(work.a) + batch * out_length * filters;
    T* grad_x = static_cast<T*>(work.out) + batch * g.length * g.channels;
    for (std::int64_t p = 0; p < g.length; ++p) {
      const std::int64_t reach = p + g.pad_left;  // t·s + j·d for the taps p hears
      std::int64_t first_tap = first_tap_of_residue[std::size_t(reach % g.stride)];
      if (reach - first_tap * g.dilation < 0) first_tap = g.kernel_size;  // its window starts past p
      const std::int64_t first_step = first_tap < g.kernel_size ? (reach - first_tap * g.dilation) / g.stride : 0;
      T* target = m == 1 ? grad_x + p * g.channels : row;
      for_each_block<T>(filters, [&](std::int64_t f, bool whole) {
        Block<T> block;
        T rest[Block<T>::width] = {};
        for (std::int64_t j = first_tap, t = first_step; j < g.kernel_size && t >= 0; j += tap_step, t -= steps_between_taps) {
          if (t >= out_length) continue;
          const T* source = grad + t * filters + f;
          if (whole) block.multiply_add(source, kernel + j * filters + f);
          else
            for (std::int64_t lane = 0; lane < filters - f; ++lane) rest[lane] += source[lane] * kernel[j * filters + f + lane];
        }
        if (whole) block.store(target + f);
        else std::copy_n(rest, filters - f, target + f);
      });
      if (m > 1) sum_multiplier_lanes(row, g, grad_x + p * g.channels);
    }
  }
}

// Adds this part's kernel gradient into work.out (kernel_size, filters): per tap and block, the
// sum over the output steps that read inside the input.
template <class T>
[[gnu::always_inline]] inline void backward_kernel_part(const Work& work) {
  const Conv1dGeometry& g = work.g;
  const std::int64_t filters = g.filters, out_length = g.output_length();
  T* kernel_grad = static_cast<T*>(work.out);
  for (std::int64_t batch = work.first; batch < work.last; ++batch) {
    const T* grad = static_cast<const T*>(work.a) + batch * out_length * filters;
    const T* x = expanded_input(static_cast<const T*>(work.b) + batch * g.length * g.channels, g, static_cast<T*>(work.scratch));
    for (std::int64_t j = 0; j < g.kernel_size; ++j) {
      const std::int64_t offset = j * g.dilation - g.pad_left;
      const std::int64_t first = offset >= 0 ? 0 : (-offset + g.stride - 1) / g.stride;
      const std::int64_t reach = g.length - 1 - offset;
      const std::int64_t last = reach < 0 ? 0 : std::min(reach / g.stride + 1, out_length);
      for_each_block<T>(filters, [&](std::int64_t f, bool whole) {
        if (whole) {
          Block<T> block;
          block.load(kernel_grad + j * filters + f);
          for (std::int64_t t = first; t < last; ++t)
            block.multiply_add(grad + t * filters + f, x + (t * g.stride + offset) * filters + f);
          block.store(kernel_grad + j * filters + f);
          return;
        }
        for (std::int64_t lane = f; lane < filters; ++lane)
          for (std::int64_t t = first; t < last; ++t)
            kernel_grad[j * filters + lane] += grad[t * filters + lane] * x[(t * g.stride + offset) * filters + lane];
      });
    }
  }
}

// The run-time choice of instruction set: GCC and Clang compile each function below once per
// target and pick one by CPU feature when the program loads ("arch=" clones would test for one
// Intel model and miss every AMD CPU). Elsewhere, the build's own target.
#if defined(__x86_64__) || defined(__i386__)
#define MINIDL_DEPTHWISE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MINIDL_DEPTHWISE_CLONES
#endif

MINIDL_DEPTHWISE_CLONES void forward(const Work& work) {
  if (work.dtype == DType::float32) forward_part<float>(work);
  else forward_part<double>(work);
}

MINIDL_DEPTHWISE_CLONES void backward_input(const Work& work) {
  if (work.dtype == DType::float32) backward_input_part<float>(work);
  else backward_input_part<double>(work);
}

MINIDL_DEPTHWISE_CLONES void backward_kernel(const Work& work) {
  if (work.dtype == DType::float32) backward_kernel_part<float>(work);
  else backward_kernel_part<double>(work);
}

double pass_flops(const Conv1dGeometry& g) {
  return 2.0 * double(g.batch) * double(g.output_length()) * double(g.filters) * double(g.kernel_size);
}

}  // namespace
}  // namespace depthwise

Tensor depthwise_conv1d_forward(const Tensor& x_in, const Tensor& kernel_in, const Tensor& bias_in, const Conv1dGeometry& g) {
  const Tensor x = x_in.contiguous(), kernel = kernel_in.contiguous();
  const Tensor bias = bias_in.defined() ? bias_in.contiguous() : Tensor();
  Tensor y = Tensor::empty({g.batch, g.output_length(), g.filters}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    parallel_for(g.batch, worthwhile_parts(g.batch, depthwise::pass_flops(g)), [&](std::int64_t first, std::int64_t last, int) {
      const Tensor scratch = depthwise::multiplier(g) == 1 ? Tensor() : Tensor::empty({g.length, g.filters}, x.dtype());
      depthwise::forward({x.dtype(), x.data<T>(), kernel.data<T>(), bias.defined() ? bias.data<T>() : nullptr, y.data<T>(),
               scratch.defined() ? scratch.data<T>() : nullptr, g, first, last});
    });
  });
  return y;
}

Tensor depthwise_conv1d_backward_input(const Tensor& grad_in, const Tensor& kernel_in, const Conv1dGeometry& g) {
  const Tensor grad = grad_in.contiguous(), kernel = kernel_in.contiguous();
  Tensor grad_x = Tensor::empty({g.batch, g.length, g.channels}, grad.dtype());
  dispatch(grad.dtype(), [&]<class T>() {
    parallel_for(g.batch, worthwhile_parts(g.batch, depthwise::pass_flops(g)), [&](std::int64_t first, std::int64_t last, int) {
      const Tensor scratch = Tensor::empty({g.filters}, grad.dtype());
      depthwise::backward_input({grad.dtype(), grad.data<T>(), kernel.data<T>(), nullptr, grad_x.data<T>(), scratch.data<T>(), g, first, last});
    });
  });
  return grad_x;
}

Tensor depthwise_conv1d_backward_kernel(const Tensor& grad_in, const Tensor& x_in, const Conv1dGeometry& g) {
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  Tensor kernel_grad = Tensor::empty({g.kernel_size, 1, g.filters}, grad.dtype());
  dispatch(grad.dtype(), [&]<class T>() {
    parallel_sum(kernel_grad.data<T>(), kernel_grad.size(), g.batch, worthwhile_parts(g.batch, depthwise::pass_flops(g)),
                 [&](std::int64_t first, std::int64_t last, T* sums) {
                   const Tensor scratch = depthwise::multiplier(g) == 1 ? Tensor() : Tensor::empty({g.length, g.filters}, grad.dtype());
                   depthwise::backward_kernel({grad.dtype(), grad.data<T>(), x.data<T>(), nullptr, sums,
                                    scratch.defined() ? scratch.data<T>() : nullptr, g, first, last});
                 });
  });
  return kernel_grad;
}

}  // namespace minidl::kernels
