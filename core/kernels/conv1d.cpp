// Channels-last 1-D convolution. float32 goes through register tiles (conv1d_tiles.hpp, for the
// kernel ISA selected) where the filter count allows; one input channel per group (depthwise) in
// either dtype through depthwise_conv1d.hpp; everything else, float64 and so nearly every
// gradcheck included, through BLAS gemms as below.
//
// The BLAS path works one batch element at a time, so that operands stay in cache and no
// whole-batch im2col matrix is ever built.
//
// Tap j of output step t reads input step p = t·s + j·d − pad_left. For a fixed tap, the input
// rows of consecutive output steps are s·C floats apart: a matrix with leading dimension s·C lying
// in x itself. So when a group has enough channels to make a gemm worthwhile, the forward pass,
// the input gradient and the kernel gradient are per-tap gemms straight on x, y and their
// gradients, accumulated; a tap skips the steps that would read padding (they multiply zeros).
// With few channels per group (one input channel, say), per-tap gemms would be rank-1 updates, so
// the taps are gathered into an im2col matrix of one batch element instead. The input gradient
// then computes that matrix in float32 with register tiles too (InputGradientColumns), since
// BLAS multiplies poorly by a kernel as narrow as its taps.
#include <minidl/core/kernels/conv1d.hpp>

#include <minidl/core/kernels/blas.hpp>
#include <minidl/core/kernels/conv1d_tiles.hpp>
#include <minidl/core/kernels/depthwise_conv1d.hpp>
#include <minidl/core/kernels/input_gradient_columns.hpp>
#include <minidl/core/kernels/kernels.hpp>
#include <minidl/core/kernels/ordered_gemm.hpp>
#include <minidl/core/kernels/parallel.hpp>
#include <minidl/core/kernels/relu.hpp>

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>
#include <xsimd/xsimd.hpp>

namespace minidl::kernels {

namespace {

// Per-tap gemms need this depth (channels per group) to run near BLAS's peak.
constexpr std::int64_t smallest_direct_depth = 32;

bool direct(const Conv1dGeometry& g) { return g.channels / g.groups >= smallest_direct_depth; }

// The output steps [first, last) at which tap j reads inside the input.
struct Steps {
  std::int64_t first, last;
  std::int64_t count() const { return std::max<std::int64_t>(last - first, 0); }
};

Steps tap_steps(const Conv1dGeometry& g, std::int64_t tap) {
  // 0 <= t·s + offset <= length − 1, with offset = j·d − pad_left.
  const std::int64_t offset = tap * g.dilation - g.pad_left;
  const std::int64_t first = offset >= 0 ? 0 : (-offset + g.stride - 1) / g.stride;
  const std::int64_t reach = g.length - 1 - offset;
  const std::int64_t last = reach < 0 ? 0 : std::min(reach / g.stride + 1, g.output_length());
  return {first, last};
}

std::int64_t input_step(const Conv1dGeometry& g, std::int64_t tap, std::int64_t step) {
  return step * g.stride + tap * g.dilation - g.pad_left;
}

// The first input step of output step t's window when the window's k·C values are consecutive in
// x (dilation 1, one group, no tap in the padding); else nothing.
std::optional<std::int64_t> contiguous_window(const Conv1dGeometry& g, std::int64_t t) {
  const std::int64_t start = input_step(g, 0, t);
  if (g.dilation != 1 || g.groups != 1 || start < 0 || start + g.kernel_size > g.length) return std::nullopt;
  return start;
}

// Row t − first of `columns` holds, for output step t in [first, last) and each group, the taps j
// and group channels c at column group·K·Cg + j·Cg + c, read from batch element `x` (zeros where
// padding).
template <class T>
void im2col(const T* x, const Conv1dGeometry& g, std::int64_t first, std::int64_t last, T* columns) {
  const std::int64_t group_channels = g.channels / g.groups, width = g.kernel_size * g.channels;
  for (std::int64_t t = first; t < last; ++t) {
    T* row = columns + (t - first) * width;
    if (const auto start = contiguous_window(g, t)) {
      std::memcpy(row, x + *start * g.channels, std::size_t(width) * sizeof(T));  // the whole window at once
      continue;
    }
    for (std::int64_t j = 0; j < g.kernel_size; ++j) {
      const std::int64_t position = input_step(g, j, t);
      const bool inside = position >= 0 && position < g.length;
      const T* source = x + position * g.channels;
      for (std::int64_t group = 0; group < g.groups; ++group) {
        T* target = row + group * g.kernel_size * group_channels + j * group_channels;
        if (!inside) std::fill(target, target + group_channels, T(0));
        else if (group_channels == 1) *target = source[group];
        else std::memcpy(target, source + group * group_channels, std::size_t(group_channels) * sizeof(T));
      }
    }
  }
}

// The adjoint of im2col: adds each column entry back into the input step it was read from. The
// columns' rows and groups may be padded: `row_width` and `group_width` floats apart.
template <class T>
void col2im_add(const T* columns, const Conv1dGeometry& g, std::int64_t first, std::int64_t last, T* x,
                std::int64_t row_width, std::int64_t group_width) {
  const std::int64_t group_channels = g.channels / g.groups, width = g.kernel_size * g.channels;
  for (std::int64_t t = first; t < last; ++t) {
    const T* row = columns + (t - first) * row_width;
    if (const auto start = contiguous_window(g, t)) {
      T* target = x + *start * g.channels;
      for (std::int64_t i = 0; i < width; ++i) target[i] += row[i];
      continue;
    }
    for (std::int64_t j = 0; j < g.kernel_size; ++j) {
      const std::int64_t position = input_step(g, j, t);
      if (position < 0 || position >= g.length) continue;
      T* target = x + position * g.channels;
      for (std::int64_t group = 0; group < g.groups; ++group) {
        const T* source = row + group * group_width + j * group_channels;
        T* destination = target + group * group_channels;
        for (std::int64_t c = 0; c < group_channels; ++c) destination[c] += source[c];
      }
    }
  }
}

// Calls visit(tap, group, steps) for every group and every tap that reads inside the input at some
// output step: one per-tap gemm each.
template <class Visit>
void for_each_tap_and_group(const Conv1dGeometry& g, Visit visit) {
  for (std::int64_t j = 0; j < g.kernel_size; ++j) {
    const Steps steps = tap_steps(g, j);
    if (steps.count() == 0) continue;
    for (std::int64_t group = 0; group < g.groups; ++group) visit(j, group, steps);
  }
}

// Output steps per im2col chunk: the chunk stays in cache between its gather and its gemm.
std::int64_t chunk_steps(const Conv1dGeometry& g, std::size_t element_size) {
  constexpr std::size_t chunk_bytes = std::size_t{96} << 10;
  const auto row_bytes = std::max<std::size_t>(std::size_t(g.kernel_size * g.channels) * element_size, 1);
  return std::clamp<std::int64_t>(std::int64_t(chunk_bytes / row_bytes), 16, std::max<std::int64_t>(g.output_length(), 16));
}

// Gathers the im2col rows of batch element `x` a chunk of output steps at a time into `columns`,
// and calls visit(first, last) on each chunk while it is in cache.
template <class T, class Visit>
void for_each_gathered_chunk(const T* x, const Conv1dGeometry& g, std::int64_t chunk, T* columns, Visit visit) {
  for (std::int64_t first = 0; first < g.output_length(); first += chunk) {
    const std::int64_t last = std::min(first + chunk, g.output_length());
    im2col(x, g, first, last, columns);
    visit(first, last);
  }
}

// 2·batch·steps·filters·taps·channels per group: the work of one pass, to decide on threads.
double pass_flops(const Conv1dGeometry& g) {
  return 2.0 * double(g.batch) * double(g.output_length()) * double(g.filters) * double(g.kernel_size) *
         double(g.channels / g.groups);
}

// The forward pass's c += a · b: BLAS in float32; in float64 the ordered gemm, whose sums do not
// depend on how many steps are computed at once, so that a stream reproduces them bit for bit.
// (A stream multiplies the zeros a skipped padding tap would read: with finite weights that adds
// zero products, which change no sum but a −0 into +0; an infinite weight would make them NaN.)
template <class T>
void forward_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, std::int64_t lda, const T* b, std::int64_t ldb,
                  T* c, std::int64_t ldc) {
  if constexpr (std::is_same_v<T, double>) ordered_gemm(m, n, k, a, lda, b, ldb, c, ldc);
  else gemm(false, false, m, n, k, T(1), a, lda, b, ldb, T(1), c, ldc);
}

// The forward pass where no tiles compute it: the depthwise kernel, or BLAS (x, kernel and bias
// contiguous).
Tensor untiled_forward(const Tensor& x, const Tensor& kernel, const Tensor& packed_bias, const Conv1dGeometry& g) {
  const std::int64_t out_length = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t depth = g.kernel_size * group_channels, width = g.kernel_size * g.channels;
  // The depthwise kernel's float64 sums are not those of the ordered gemm (see forward_gemm).
  if (is_depthwise(g) && x.dtype() == DType::float32) return depthwise_conv1d_forward(x, kernel, packed_bias, g);
  Tensor y = Tensor::empty({g.batch, out_length, g.filters}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* w = kernel.data<T>();
    parallel_for(g.batch, worthwhile_parts(g.batch, pass_flops(g)), [&](std::int64_t first, std::int64_t last, int) {
      const std::int64_t chunk = chunk_steps(g, sizeof(T));
      const Tensor columns = direct(g) ? Tensor() : Tensor::empty({chunk, width}, x.dtype());
      for (std::int64_t b = first; b < last; ++b) {
        const T* xb = x.data<T>() + b * g.length * g.channels;
        T* yb = y.data<T>() + b * out_length * g.filters;
        if (packed_bias.defined())
          for (std::int64_t t = 0; t < out_length; ++t)
            std::memcpy(yb + t * g.filters, packed_bias.data<T>(), std::size_t(g.filters) * sizeof(T));
        else
          std::fill(yb, yb + out_length * g.filters, T(0));
        if (direct(g)) {
          for_each_tap_and_group(g, [&](std::int64_t j, std::int64_t group, const Steps& steps) {
            forward_gemm(steps.count(), group_filters, group_channels,
                         xb + input_step(g, j, steps.first) * g.channels + group * group_channels, g.stride * g.channels,
                         w + j * group_channels * g.filters + group * group_filters, g.filters,
                         yb + steps.first * g.filters + group * group_filters, g.filters);
          });
        } else {
          T* column_data = columns.data<T>();
          for_each_gathered_chunk(xb, g, chunk, column_data, [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t group = 0; group < g.groups; ++group)
              forward_gemm(t1 - t0, group_filters, depth, column_data + group * depth, width, w + group * group_filters,
                           g.filters, yb + t0 * g.filters + group * group_filters, g.filters);
          });
        }
      }
    });
  });
  return y;
}

}  // namespace

Tensor conv1d_forward(const Tensor& x_in, const Tensor& kernel_in, const Tensor& bias, const Conv1dGeometry& g, bool relu) {
  const Tensor x = x_in.contiguous(), kernel = kernel_in.contiguous();
  const Tensor packed_bias = bias.defined() ? bias.contiguous() : Tensor();
  if (const KernelIsa isa = conv1d_tiles_isa(g, x.dtype()); isa != KernelIsa::blas) {
    Tensor y = Tensor::empty({g.batch, g.output_length(), g.filters}, x.dtype());
    conv1d_forward_tiles(x.data<float>(), kernel.data<float>(), packed_bias.defined() ? packed_bias.data<float>() : nullptr, g,
                         worthwhile_parts(g.batch, pass_flops(g)), y.data<float>(), relu, isa);
    return y;
  }
  const Tensor y = untiled_forward(x, kernel, packed_bias, g);
  return relu ? relu_forward(y) : y;
}

Tensor conv1d_backward_input(const Tensor& grad_in, const Tensor& kernel_in, const Conv1dGeometry& g) {
  const Tensor grad = grad_in.contiguous(), kernel = kernel_in.contiguous();
  const std::int64_t out_length = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t depth = g.kernel_size * group_channels, width = g.kernel_size * g.channels;
  Tensor grad_x = Tensor::empty({g.batch, g.length, g.channels}, grad.dtype());
  // The tiles rearrange the kernel first, about a microsecond per ten thousand weights: worth it
  // from a few hundred output steps on.
  constexpr std::int64_t fewest_tiled_steps = 256;
  if (g.batch * out_length >= fewest_tiled_steps && grad.dtype() == DType::float32 &&
      conv1d_backward_input_tiles(grad.data<float>(), kernel.data<float>(), g, worthwhile_parts(g.batch, pass_flops(g)),
                                  grad_x.data<float>(), selected_kernel_isa()))
    return grad_x;
  if (is_depthwise(g)) return depthwise_conv1d_backward_input(grad, kernel, g);
  // Too few channels for the tiles above, and too few for per-tap gemms: the columns in tiles,
  // where BLAS would multiply by a kernel only a few vectors wide.
  std::optional<InputGradientColumns> tiled_columns;
  if (const KernelIsa isa = selected_kernel_isa(); !direct(g) && grad.dtype() == DType::float32 && isa != KernelIsa::blas)
    tiled_columns.emplace(kernel.data<float>(), g, isa);
  const std::int64_t row_width = tiled_columns ? tiled_columns->row_width() : width;
  const std::int64_t group_width = tiled_columns ? tiled_columns->group_width() : depth;
  dispatch(grad.dtype(), [&]<class T>() {
    const T* w = kernel.data<T>();
    parallel_for(g.batch, worthwhile_parts(g.batch, pass_flops(g)), [&](std::int64_t first, std::int64_t last, int) {
      const std::int64_t chunk = chunk_steps(g, sizeof(T));
      const Tensor columns = direct(g) ? Tensor() : Tensor::empty({chunk, row_width}, grad.dtype());
      for (std::int64_t b = first; b < last; ++b) {
        const T* gb = grad.data<T>() + b * out_length * g.filters;
        T* xb = grad_x.data<T>() + b * g.length * g.channels;
        std::fill(xb, xb + g.length * g.channels, T(0));
        if (direct(g)) {
          // Tap j sends step t's gradient to input step t·s + j·d − pad_left: rows s·C apart, never
          // overlapping within one gemm.
          for_each_tap_and_group(g, [&](std::int64_t j, std::int64_t group, const Steps& steps) {
            gemm(false, true, steps.count(), group_channels, group_filters, T(1),
                 gb + steps.first * g.filters + group * group_filters, g.filters,
                 w + j * group_channels * g.filters + group * group_filters, g.filters, T(1),
                 xb + input_step(g, j, steps.first) * g.channels + group * group_channels, g.stride * g.channels);
          });
        } else {
          T* column_data = columns.data<T>();
          for (std::int64_t t0 = 0; t0 < out_length; t0 += chunk) {
            const std::int64_t t1 = std::min(t0 + chunk, out_length);
            if constexpr (std::is_same_v<T, float>)
              if (tiled_columns) tiled_columns->compute(gb + t0 * g.filters, t1 - t0, column_data);
            if (!tiled_columns)
              for (std::int64_t group = 0; group < g.groups; ++group)
                gemm(false, true, t1 - t0, depth, group_filters, T(1), gb + t0 * g.filters + group * group_filters, g.filters,
                     w + group * group_filters, g.filters, T(0), column_data + group * depth, width);
            col2im_add(column_data, g, t0, t1, xb, row_width, group_width);
          }
        }
      }
    });
  });
  return grad_x;
}

Tensor conv1d_backward_kernel(const Tensor& grad_in, const Tensor& x_in, const Conv1dGeometry& g, Tensor* bias_grad) {
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  const std::int64_t out_length = g.output_length();
  const std::int64_t group_channels = g.channels / g.groups, group_filters = g.filters / g.groups;
  const std::int64_t depth = g.kernel_size * group_channels, width = g.kernel_size * g.channels;
  const Shape kernel_shape = {g.kernel_size, group_channels, g.filters};
  const int parts = worthwhile_parts(g.batch, pass_flops(g));
  // A tile loads and stores its sums once per batch element: worth it over a few dozen steps.
  constexpr std::int64_t fewest_tiled_steps = 32;
  const KernelIsa tile_isa = out_length >= fewest_tiled_steps ? conv1d_tiles_isa(g, grad.dtype()) : KernelIsa::blas;
  if (tile_isa != KernelIsa::blas) {
    Tensor kernel_grad = Tensor::empty(kernel_shape, grad.dtype());
    if (bias_grad) *bias_grad = Tensor::empty({g.filters}, grad.dtype());
    conv1d_backward_kernel_tiles(grad.data<float>(), x.data<float>(), g, parts, kernel_grad.data<float>(),
                                 bias_grad ? bias_grad->data<float>() : nullptr, tile_isa);
    return kernel_grad;
  }
  if (bias_grad) *bias_grad = conv1d_backward_bias(grad);
  if (is_depthwise(g)) return depthwise_conv1d_backward_kernel(grad, x, g);
  Tensor kernel_grad = Tensor::empty(kernel_shape, grad.dtype());
  dispatch(grad.dtype(), [&]<class T>() {
    parallel_sum(kernel_grad.data<T>(), kernel_grad.size(), g.batch, parts, [&](std::int64_t first, std::int64_t last, T* dk) {
      const std::int64_t chunk = chunk_steps(g, sizeof(T));
      const Tensor columns = direct(g) ? Tensor() : Tensor::empty({chunk, width}, grad.dtype());
      for (std::int64_t b = first; b < last; ++b) {
        const T* gb = grad.data<T>() + b * out_length * g.filters;
        const T* xb = x.data<T>() + b * g.length * g.channels;
        if (direct(g)) {
          for_each_tap_and_group(g, [&](std::int64_t j, std::int64_t group, const Steps& steps) {
            gemm(true, false, group_channels, group_filters, steps.count(), T(1),
                 xb + input_step(g, j, steps.first) * g.channels + group * group_channels, g.stride * g.channels,
                 gb + steps.first * g.filters + group * group_filters, g.filters, T(1),
                 dk + j * group_channels * g.filters + group * group_filters, g.filters);
          });
        } else {
          T* column_data = columns.data<T>();
          for_each_gathered_chunk(xb, g, chunk, column_data, [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t group = 0; group < g.groups; ++group)
              gemm(true, false, depth, group_filters, t1 - t0, T(1), column_data + group * depth, width,
                   gb + t0 * g.filters + group * group_filters, g.filters, T(1), dk + group * group_filters, g.filters);
          });
        }
      }
    });
  });
  return kernel_grad;
}

void add_to_rows(Tensor& y, const Tensor& bias_in) {
  const Tensor bias = bias_in.contiguous();
  const std::int64_t width = bias.size(), rows = width == 0 ? 0 : y.size() / width;
  dispatch(y.dtype(), [&]<class T>() {
    using Batch = xsimd::batch<T>;
    const auto whole = width / std::int64_t(Batch::size) * std::int64_t(Batch::size);
    const T* b = bias.data<T>();
    parallel_for(rows, memory_pass_parts(rows * width), [&](std::int64_t first, std::int64_t last, int) {
      for (T* row = y.data<T>() + first * width; row != y.data<T>() + last * width; row += width) {
        for (std::int64_t f = 0; f < whole; f += Batch::size)
          (Batch::load_unaligned(row + f) + Batch::load_unaligned(b + f)).store_unaligned(row + f);
        for (std::int64_t f = whole; f < width; ++f) row[f] += b[f];
      }
    });
  });
}

Tensor conv1d_backward_bias(const Tensor& grad_in) {
  const Tensor grad = grad_in.contiguous();
  const std::int64_t filters = grad.shape().back();
  Tensor grad_bias = Tensor::empty({filters}, grad.dtype());
  const std::int64_t rows = filters == 0 ? 0 : grad.size() / filters;
  dispatch(grad.dtype(), [&]<class T>() {
    using Batch = xsimd::batch<T>;
    const auto whole = filters / std::int64_t(Batch::size) * std::int64_t(Batch::size);
    parallel_sum(grad_bias.data<T>(), filters, rows, memory_pass_parts(rows * filters),
                 [&](std::int64_t first, std::int64_t last, T* total) {
                   for (const T* row = grad.data<T>() + first * filters; row != grad.data<T>() + last * filters; row += filters) {
                     for (std::int64_t f = 0; f < whole; f += Batch::size)
                       (Batch::load_unaligned(total + f) + Batch::load_unaligned(row + f)).store_unaligned(total + f);
                     for (std::int64_t f = whole; f < filters; ++f) total[f] += row[f];
                   }
                 });
  });
  return grad_bias;
}

}  // namespace minidl::kernels
